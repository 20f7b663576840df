/**
 * What the dashboard shows and serves, as plain data, and the alert facts derived from it. Pure: the collector
 * (dashboard/collector.ts) gathers it.
 */
import type { HoldRecord } from '../holds.js';
import type { HostOverview } from '../overview.js';
import type { ActiveAlert, AlertFacts } from './alerts.js';
import type { FillForecast, Throughput } from './figures.js';

export interface RecentMovie {
  workflowId: string;
  runId: string;
  startedAt: number;
  bytes: number;
  cameraHost?: string;
  bufferHost?: string;
  session?: string;
  preprocessState?: string;
  ctfResolution?: number;
}

export interface HostSnapshot extends HostOverview {
  bufferForecast?: FillForecast;
  throughput: Throughput;
  lastMovieAt?: string;
  oldestPreprocessWait?: string;
}

export interface CameraSnapshot {
  host: string;
  bufferHost: string;
  mounted: boolean;
  space?: { freeBytes: number; totalBytes: number };
  forecast?: FillForecast;
  throughput: Throughput;
  lastMovieAt?: string;
}

export interface DashboardSnapshot {
  at: string;
  namespace: string;
  /** Set when the figures could not be refreshed: they are the last good ones. */
  stale?: string;
  holds: HoldRecord[];
  hosts: HostSnapshot[];
  cameras: CameraSnapshot[];
  sessions: { name: string; movies: number; lastMovieAt: string }[];
  alerts: ActiveAlert[];
}

export function bySession(movies: RecentMovie[]): Map<string, RecentMovie[]> {
  const sessions = new Map<string, RecentMovie[]>();
  for (const movie of movies) if (movie.session) sessions.set(movie.session, [...(sessions.get(movie.session) ?? []), movie]);
  return sessions;
}

export const latestStart = (movies: RecentMovie[]) => (movies.length ? Math.max(...movies.map((m) => m.startedAt)) : undefined);

/** The alert rules' inputs: each host's storage, watermark, forecast and pre-processing wait; cameras; CTF fits per session in acquisition order. */
export function alertFactsOf(hosts: HostSnapshot[], cameras: CameraSnapshot[], recent: RecentMovie[], now: number): AlertFacts {
  return {
    now,
    hosts: hosts.map((h) => ({
      bufferHost: h.bufferHost,
      target: h.target,
      storage: 'unavailable' in h.health ? { state: 'unknown' } : { state: h.health.state, since: h.health.since, problem: h.health.lastProbe?.problem },
      aboveHighWatermark: h.capacity?.aboveHigh ? { usedFraction: h.capacity.usedFraction } : undefined,
      bufferForecast: h.bufferForecast,
      oldestPreprocessWait: h.oldestPreprocessWait ? Date.parse(h.oldestPreprocessWait) : undefined,
      closedBadly: h.closedBadly,
    })),
    cameras: cameras.map((c) => ({ host: c.host, mounted: c.mounted, forecast: c.forecast, lastMovieAt: c.lastMovieAt ? Date.parse(c.lastMovieAt) : undefined })),
    ctfFits: [...bySession(recent)].map(([session, movies]) => ({
      session,
      fits: movies
        .filter((m) => m.preprocessState === 'done' || m.preprocessState === 'failed')
        .sort((a, b) => a.startedAt - b.startedAt)
        .map((m) => (m.preprocessState === 'done' ? (m.ctfResolution ?? null) : null)),
    })),
  };
}
