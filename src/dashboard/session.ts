/**
 * A session as the dashboard shows it: one row per movie with its figures over acquisition time, and how long
 * movies took from exposure to each milestone. Pure: dashboard/sessionView.ts gathers the inputs.
 */
import type { SessionFigures } from '../bufferdb.js';
import type { Config } from '../config.js';
import type { MovieStatus } from '../movie.js';
import { ARCHIVED_STAGES } from '../operatorNames.js';
import { earlyLateMotion } from '../preprocess/results.js';
import { latencyDistribution, type LatencySummary, type Milestone } from './figures.js';

/** What a movie's status query contributes (kept per movie; it stops changing once the movie is archived). */
export interface StatusDigest {
  stage: string;
  imageFilename?: string;
  exposure?: number;
  copied?: number;
  archived?: number;
}

/**
 * Whether a listed movie's status must be queried (again): a digest changes only when the stage does, so a movie
 * waiting out a days-long outage in one stage is queried once, not at every refresh.
 */
export function needsStatusQuery(listedStage: string | undefined, digest: StatusDigest | undefined): boolean {
  if (!digest) return true;
  // Once archived, nothing a digest holds changes.
  if (ARCHIVED_STAGES.includes(digest.stage)) return false;
  return listedStage === undefined || listedStage !== digest.stage;
}

export function digestStatus(status: MovieStatus): StatusDigest {
  const at = (iso: string | undefined) => (iso ? Date.parse(iso) : undefined);
  return {
    stage: status.stage,
    imageFilename: status.leginon?.filename,
    exposure: status.camera.mtimeMs,
    copied: at(status.stageTimes.resolving),
    archived: at(status.stageTimes.archived),
  };
}

export interface ListedMovie {
  workflowId: string;
  runId: string;
  startedAt: number;
  stage?: string;
  preprocessState?: string;
}

export interface SessionMovieRow {
  workflowId: string;
  imageFilename?: string;
  stage: string;
  preprocessState?: string;
  /** The camera file's last write, else when the movie was first seen. */
  acquiredAt: string;
  ctfResolutionA?: number;
  /** Mean of the two defocus values, µm. */
  defocusUm?: number;
  astigmatismA?: number;
  totalDriftPx?: number;
  earlyMotionPx?: number;
  lateMotionPx?: number;
  /** The movie's history in the Temporal Web UI. */
  historyUrl?: string;
}

export interface SessionView {
  session: string;
  at: string;
  movies: SessionMovieRow[];
  latency: Record<Milestone, LatencySummary>;
  thresholds: Config['quality'];
}

export function historyUrl(webUi: string | undefined, namespace: string, workflowId: string, runId: string): string | undefined {
  if (!webUi) return undefined;
  return `${webUi.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
}

export function buildSessionView(
  session: string,
  listed: ListedMovie[],
  statuses: Pick<ReadonlyMap<string, StatusDigest>, 'get'>,
  figures: SessionFigures[],
  context: { quality: Config['quality']; namespace: string; webUi?: string; now: number },
): SessionView {
  const figuresOf = new Map(figures.map((f) => [f.workflowId, f]));
  const rows: SessionMovieRow[] = [];
  const timelines = [];
  for (const movie of [...listed].sort((a, b) => a.startedAt - b.startedAt)) {
    const status = statuses.get(movie.workflowId);
    const { motion, ctf, imageFilename } = figuresOf.get(movie.workflowId) ?? {};
    const motionSplit = motion?.shifts?.length ? earlyLateMotion(motion.shifts) : undefined;
    const okCtf = ctf?.outcome === 'ok' ? ctf : undefined;
    rows.push({
      workflowId: movie.workflowId,
      imageFilename: status?.imageFilename ?? imageFilename,
      stage: status?.stage ?? movie.stage ?? '?',
      preprocessState: movie.preprocessState,
      acquiredAt: new Date(status?.exposure ?? movie.startedAt).toISOString(),
      ctfResolutionA: okCtf?.resolutionA,
      defocusUm: okCtf?.defocus1A !== undefined && okCtf.defocus2A !== undefined ? (okCtf.defocus1A + okCtf.defocus2A) / 2 / 10_000 : undefined,
      astigmatismA: okCtf?.astigmatismA,
      totalDriftPx: motion?.outcome === 'ok' ? motion.totalDriftPx : undefined,
      earlyMotionPx: motionSplit?.early,
      lateMotionPx: motionSplit?.late,
      historyUrl: historyUrl(context.webUi, context.namespace, movie.workflowId, movie.runId),
    });
    const finished = (step: { outcome: string; finishedAt: string } | undefined) => (step?.outcome === 'ok' ? Date.parse(step.finishedAt) : undefined);
    timelines.push({ exposure: status?.exposure ?? movie.startedAt, copied: status?.copied, aligned: finished(motion), ctf: finished(ctf), archived: status?.archived });
  }
  return { session, at: new Date(context.now).toISOString(), movies: rows, latency: latencyDistribution(timelines), thresholds: context.quality };
}
