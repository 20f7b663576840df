/**
 * The conditions the dashboard raises as alerts, evaluated from one snapshot of figures. Pure: the notifier
 * (dashboard/alertNotifier.ts) decides what is new, logs it and calls the webhook.
 */
import type { Config } from '../config.js';
import { durationMs } from '../config.js';
import { formatBytes } from '../units.js';
import type { FillForecast } from './figures.js';

export const ALERT_KINDS = [
  'storage-down',
  'buffer-above-high-watermark',
  'buffer-filling',
  'camera-share-unmounted',
  'camera-filling',
  'no-new-movies',
  'bad-ctf-fits',
  'preprocessing-behind',
  'movie-workflows-failed',
  'gain-reference-mismatch',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  kind: AlertKind;
  /** What it is about: a buffer host, a camera, a session. */
  subject: string;
  message: string;
}

/** An alert in force, since it was first raised. */
export interface ActiveAlert extends Alert {
  since: string;
}

export const alertKey = (alert: Pick<Alert, 'kind' | 'subject'>) => `${alert.kind}:${alert.subject}`;

export interface AlertFacts {
  now: number;
  hosts: {
    bufferHost: string;
    target: string;
    storage: { state: string; since?: string; problem?: string };
    aboveHighWatermark?: { usedFraction: number };
    bufferForecast?: FillForecast;
    /** When the oldest movie still waiting for pre-processing started. */
    oldestPreprocessWait?: number;
    /** Movie workflows that failed, were terminated or timed out (none should: a movie parks instead). */
    closedBadly: number;
  }[];
  cameras: { host: string; mounted: boolean; forecast?: FillForecast; lastMovieAt?: number }[];
  /** Per session, its latest CTF fits in acquisition order: Å, or null for a failed fit or one without rings. */
  ctfFits: { session: string; fits: (number | null)[] }[];
  /** Per session, its latest gain check when it found a problem (bufferdb `gain_checks`). */
  gainProblems?: { session: string; imageFilename: string; verdict: string }[];
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

export function evaluateAlerts(facts: AlertFacts, config: Pick<Config, 'alerts' | 'quality'>): Alert[] {
  const settings = config.alerts;
  const alerts: Alert[] = [];
  const within = (forecast: FillForecast | undefined, limitMs: number) => forecast?.hoursLeft !== undefined && forecast.hoursLeft * 3_600_000 <= limitMs;
  const filling = (forecast: FillForecast) => `full in ${forecast.hoursLeft!.toFixed(1)} h at ${formatBytes(forecast.bytesPerHour)}/h (around ${forecast.fullAt})`;
  for (const host of facts.hosts) {
    if (host.storage.state === 'down') {
      alerts.push({ kind: 'storage-down', subject: `${host.target}@${host.bufferHost}`, message: `archive target ${host.target} is down since ${host.storage.since ?? '?'}: ${host.storage.problem ?? 'no detail'}; archive copies wait` });
    }
    if (host.aboveHighWatermark) {
      alerts.push({ kind: 'buffer-above-high-watermark', subject: host.bufferHost, message: `buffer ${host.bufferHost} is ${(host.aboveHighWatermark.usedFraction * 100).toFixed(1)}% full, above its high watermark` });
    }
    if (within(host.bufferForecast, durationMs(settings.bufferFullWithin))) {
      alerts.push({ kind: 'buffer-filling', subject: host.bufferHost, message: `buffer ${host.bufferHost} ${filling(host.bufferForecast!)}` });
    }
    if (host.closedBadly > 0) {
      alerts.push({
        kind: 'movie-workflows-failed',
        subject: host.bufferHost,
        message: `${host.closedBadly} movie workflows of ${host.bufferHost} failed or were terminated: nothing archives or expires those movies (bufferctl status lists them)`,
      });
    }
    if (host.oldestPreprocessWait !== undefined && facts.now - host.oldestPreprocessWait >= durationMs(settings.preprocessLag)) {
      alerts.push({ kind: 'preprocessing-behind', subject: host.bufferHost, message: `pre-processing on ${host.bufferHost} is behind acquisition: the oldest waiting movie arrived ${minutes(facts.now - host.oldestPreprocessWait)} ago` });
    }
  }
  for (const camera of facts.cameras) {
    if (!camera.mounted) {
      alerts.push({ kind: 'camera-share-unmounted', subject: camera.host, message: `camera share of ${camera.host} is not mounted: no movie is taken off it until it is` });
      continue;
    }
    if (within(camera.forecast, durationMs(settings.cameraFullWithin))) {
      alerts.push({ kind: 'camera-filling', subject: camera.host, message: `camera disk of ${camera.host} ${filling(camera.forecast!)}` });
    }
    const quiet = camera.lastMovieAt === undefined ? undefined : facts.now - camera.lastMovieAt;
    if (quiet !== undefined && quiet >= durationMs(settings.noMovieFor) && quiet < durationMs(settings.activeSessionWindow)) {
      alerts.push({ kind: 'no-new-movies', subject: camera.host, message: `no new movie from ${camera.host} for ${minutes(quiet)} during an active session` });
    }
  }
  const limit = config.quality.maxCtfResolutionA;
  for (const { session, fits } of facts.ctfFits) {
    let run = 0;
    for (let i = fits.length - 1; i >= 0 && (fits[i] === null || fits[i]! > limit); i--) run++;
    if (run >= settings.badCtfRun) {
      alerts.push({ kind: 'bad-ctf-fits', subject: session, message: `the last ${run} CTF fits of session ${session} are worse than ${limit} Å (or failed): check the ice and the focus` });
    }
  }
  for (const problem of facts.gainProblems ?? []) {
    alerts.push({
      kind: 'gain-reference-mismatch',
      subject: problem.session,
      message: `gain check of session ${problem.session} (${problem.imageFilename}): ${problem.verdict}; every movie of the session is corrected with this gain until it is fixed`,
    });
  }
  return alerts;
}
