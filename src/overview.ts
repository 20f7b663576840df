/**
 * The 3 a.m. overview (`bufferctl status` without a movie): per buffer host and archive target, what is waiting
 * where, how old the oldest un-archived movie is, how much is at risk, whether the target is up, what holds and
 * pre-processing queues there are, and the query that lists each group. Pure: bufferctl gathers the numbers.
 */
import { describeScope, parseScope, type HoldRecord, type HoldScope } from './holds.js';
import { UNARCHIVED_STAGES, type MovieStage } from './operatorNames.js';
import { describeHealth, type TargetHealth } from './storageHealth.js';
import { movieListQuery, temporalListCommand, type MovieFilter } from './visibilityQuery.js';
import { formatBytes } from './units.js';

export interface HostOverview {
  bufferHost: string;
  target: string;
  /** Open movies per stage. */
  stages: Partial<Record<MovieStage, number>>;
  unarchived: { movies: number; bytes: number; oldest?: { workflowId: string; startTime: Date; stage: string } };
  bufferSpace?: { freeBytes: number; totalBytes: number } | { unavailable: string };
  /** The host's last capacity check (bufferCapacity workflow). */
  capacity?: { usedFraction: number; aboveHigh: boolean; at: string; expiredEarly: number };
  health: TargetHealth | { unavailable: string };
  preprocess: { waiting: number; failed: number };
  /** Movie workflows that failed, were terminated or timed out, within the namespace's retention. */
  closedBadly: number;
}

function releaseFlag(scope: HoldScope): string {
  const parsed = parseScope(scope);
  if (parsed.kind === 'session') return `--session ${parsed.value}`;
  if (parsed.kind === 'bufferHost') return `--buffer-host ${parsed.value}`;
  return `--${parsed.kind}`;
}

function age(since: Date, now: Date): string {
  const minutes = Math.floor((now.getTime() - since.getTime()) / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** What the dashboard's /api/alerts answers, or why it could not be asked. */
export type DashboardAlerts = { at: string; stale?: string; alerts: { kind: string; message: string; since: string }[] } | { unavailable: string };

export function formatAlerts(answer: DashboardAlerts): string {
  if ('unavailable' in answer) return `alerts     ${answer.unavailable}`;
  const stale = answer.stale ? ` (dashboard figures are stale: ${answer.stale})` : '';
  if (answer.alerts.length === 0) return `alerts     none in force${stale}`;
  return answer.alerts.map((a) => `ALERT ${a.kind}: ${a.message} (since ${a.since})`).join('\n') + stale;
}

export function formatOverview(hosts: HostOverview[], holds: HoldRecord[], namespace: string, now = new Date()): string {
  const lines: string[] = holds.length
    ? holds.map((h) => `HOLD in force on ${describeScope(h.scope)}: ${h.reason} (by ${h.by} since ${h.since}); lift with bufferctl release ${releaseFlag(h.scope)}`)
    : ['no session, buffer-host or fleet-wide holds in force'];
  const listing = (filter: MovieFilter) => temporalListCommand(movieListQuery({ ...filter, open: true }), namespace);
  for (const host of hosts) {
    lines.push(`buffer host ${host.bufferHost} -> archive target ${host.target}`);
    const health = 'unavailable' in host.health ? `${host.target}: health unknown (${host.health.unavailable})` : describeHealth(host.target, host.health);
    lines.push(`  storage    ${health}`);
    if (host.bufferSpace) {
      lines.push(
        'unavailable' in host.bufferSpace
          ? `  buffer     free space unknown (${host.bufferSpace.unavailable})`
          : `  buffer     ${formatBytes(host.bufferSpace.freeBytes)} free of ${formatBytes(host.bufferSpace.totalBytes)}`,
      );
    }
    if (host.capacity) {
      const { usedFraction, aboveHigh, at, expiredEarly } = host.capacity;
      const early = expiredEarly ? `; ${expiredEarly} archived movies sent to early expiry` : '';
      lines.push(`  capacity   ${(usedFraction * 100).toFixed(1)}% used at ${at}${aboveHigh ? ' — ABOVE THE HIGH WATERMARK' : ''}${early} (bufferctl expire --dry-run)`);
    }
    const stages = Object.entries(host.stages)
      .filter(([, n]) => n)
      .map(([stage, n]) => `${stage} ${n}`);
    lines.push(`  movies     ${stages.length ? stages.join(', ') : 'none open'}`);
    const { unarchived } = host;
    if (unarchived.oldest) {
      lines.push(
        `  backlog    ${unarchived.movies} movies not yet archived, ${formatBytes(unarchived.bytes)}; oldest ${unarchived.oldest.workflowId} (${unarchived.oldest.stage}, ${age(unarchived.oldest.startTime, now)} old)`,
      );
    } else {
      lines.push('  backlog    every open movie is archived');
    }
    if (host.stages['archive-held']) lines.push(`  HOLDS      ${host.stages['archive-held']} movies held out of the archive`);
    if (host.stages.parked) lines.push(`  PARKED     ${host.stages.parked} movies need an operator (bufferctl status <movie> says why)`);
    if (host.closedBadly) {
      lines.push(`  FAILED     ${host.closedBadly} movie workflows failed or were terminated: their movies are neither archived nor expired by anyone`);
    }
    lines.push(`  preprocess ${host.preprocess.waiting} queued or running, ${host.preprocess.failed} failed`);
    lines.push('  list them:');
    lines.push(`    not archived  ${listing({ bufferHost: host.bufferHost, stages: UNARCHIVED_STAGES })}`);
    lines.push(`    held          ${listing({ bufferHost: host.bufferHost, stage: 'archive-held' })}`);
    lines.push(`    parked        ${listing({ bufferHost: host.bufferHost, stage: 'parked' })}`);
    lines.push(`    preprocessing ${listing({ bufferHost: host.bufferHost, preprocessState: ['queued', 'running'] })}`);
    if (host.closedBadly) lines.push(`    failed        ${temporalListCommand(movieListQuery({ bufferHost: host.bufferHost, closedBadly: true }), namespace)}`);
  }
  return lines.join('\n');
}
