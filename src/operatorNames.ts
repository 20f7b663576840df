/**
 * Every name an operator types or reads: workflow type, task queues, signals, queries, search attributes.
 * This is the one place each is spelled; the README's "Operator reference" documents the same list.
 * Imported by workflow code too, so it must stay free of Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const INGEST_WORKFLOW_TYPE = 'ingestMovie';

/** Workflow tasks (pure orchestration) run on one shared queue; any host may serve it. */
export const WORKFLOW_TASK_QUEUE = 'ingest';

/** Copy, rename and delete must run on the host whose disks hold the files. */
export function ioTaskQueue(bufferHost: string): string {
  return `io@${bufferHost}`;
}

/**
 * Leginon lookups, hold look-ups and capacity checks: short questions to leginondb and Temporal, on slots of their
 * own (served by the io worker), so a leginondb that hangs every query holds none of the slots that copy movies
 * off the camera while the camera disk fills.
 */
export function lookupTaskQueue(bufferHost: string): string {
  return `lookup@${bufferHost}`;
}

/**
 * Expiry re-reads each archive copy in full before a buffer copy goes: on slots of its own (`expiry.concurrency`,
 * served by the io worker), so a burst of expiries never takes the slots that copy movies off the camera.
 */
export function expiryTaskQueue(bufferHost: string): string {
  return `expire@${bufferHost}`;
}

/**
 * Archive copies read the buffer copy and write the archive target (GPFS), so they run on the buffer host's
 * archive worker; one queue per (target, buffer host) lets a target's workers pause together in an outage.
 */
export function archiveTaskQueue(target: string, bufferHost: string): string {
  return `archive-${target}@${bufferHost}`;
}

/**
 * The target's health probes have a queue of their own on the same archive worker: copies waiting out an outage
 * hold every archive slot, and the probe that ends the outage must still get through.
 */
export function archiveProbeTaskQueue(target: string, bufferHost: string): string {
  return `archive-probe-${target}@${bufferHost}`;
}

/**
 * Pre-processing jobs run on the buffer host that holds the movie. One queue per device kind: every GPU of the
 * host polls the GPU queue with a single slot (a free GPU takes the next job; no GPU ever runs two), and CPU
 * engines share the host's CPU slots.
 */
export function preprocessTaskQueue(device: 'gpu' | 'cpu', bufferHost: string): string {
  return `preprocess-${device}@${bufferHost}`;
}

export const PREPROCESS_WORKFLOW_TYPE = 'preprocessMovie';

/** A movie's pre-processing runs as child workflows `<movie id>/preprocess-<run>`: run 1 on arrival, then one per reprocess. */
export function preprocessWorkflowId(movieWorkflowId: string, run: number): string {
  return `${movieWorkflowId}/preprocess-${run}`;
}

export const STORAGE_HEALTH_WORKFLOW_TYPE = 'storageHealth';

/** One long-lived capacity workflow per buffer host: usage against the watermarks, early expiry if configured. */
export const BUFFER_CAPACITY_WORKFLOW_TYPE = 'bufferCapacity';
export function bufferCapacityWorkflowId(bufferHost: string): string {
  return `buffer-capacity:${bufferHost}`;
}

/** The one workflow that keeps holds wider than a movie (session, buffer host, all), so new movies find them. */
export const ARCHIVE_HOLDS_WORKFLOW_TYPE = 'archiveHolds';
export const ARCHIVE_HOLDS_WORKFLOW_ID = 'archive-holds';

/** One long-lived health workflow per archive target and buffer host (the host's view of the target's mount). */
export function storageHealthWorkflowId(target: string, bufferHost: string): string {
  return `storage-health:${target}@${bufferHost}`;
}

/** One workflow per movie: a second sighting of the same camera file maps to the same id. */
export function movieWorkflowId(cameraHost: string, framesName: string): string {
  return `movie:${cameraHost}:${framesName}`;
}

export const SIGNALS = {
  holdArchive: 'holdArchive',
  releaseArchive: 'releaseArchive',
  /** Try a parked movie again, once the operator fixed what parked it (a Leginon row, a path, a name). */
  retry: 'retry',
  /** On archiveHolds: record or lift a hold of a scope (`{scope, reason, by}` / `{scope}`). */
  placeHold: 'placeHold',
  liftHold: 'liftHold',
  /** Expire an archived movie now instead of at its timer (buffer above its high watermark); `{reason, by}`. */
  expireEarly: 'expireEarly',
  /** Run pre-processing again (optionally with other engines); outputs go to a new run folder. */
  reprocess: 'reprocess',
} as const;

/**
 * Failure types an operator meets in the Web UI. Waits (full buffer, unmounted share) are retried and marked
 * benign, so the Web UI and the SDK's metrics do not count them as failures; the others are permanent and park
 * the movie with their message.
 */
export const FAILURE_TYPES = {
  /** A buffer copy no longer holds the bytes that came off the camera (caught while archiving it). */
  bufferCopyDamaged: 'BufferCopyDamaged',
  /** Waiting: no room on the buffer for this movie (capacity.reserveGiB kept free). */
  bufferFull: 'BufferFull',
  /** Waiting: the camera share is not mounted (no marker, not a mount point). */
  cameraShareDown: 'CameraShareDown',
  /** The camera file went away before it was copied (deleted on the camera PC). */
  cameraFileGone: 'CameraFileGone',
  /** The camera file changed after it was copied: a different file, left alone. */
  cameraFileChanged: 'CameraFileChanged',
  /** A copy does not hold what the camera file hashed to: the camera file is kept. */
  copyNotVerified: 'CopyNotVerified',
  /** Waiting: the archive target is not mounted, so expiry cannot check the archive copy (the buffer copy stays). */
  archiveTargetDown: 'ArchiveTargetDown',
  /** The buffer copy to archive is not there: archiving it again cannot bring it back. */
  bufferCopyMissing: 'BufferCopyMissing',
} as const;

export const QUERIES = {
  status: 'status',
  /** On storageHealth workflows: up/down since when, last probe (free space, response time), probe counts. */
  health: 'health',
  /** On archiveHolds: the holds in force. */
  holds: 'holds',
  /** On bufferCapacity workflows: the last usage check. */
  capacity: 'capacity',
} as const;

export const SEARCH_ATTRIBUTES = {
  movieStage: defineSearchAttributeKey('MovieStage', SearchAttributeType.KEYWORD),
  leginonSession: defineSearchAttributeKey('LeginonSession', SearchAttributeType.KEYWORD),
  cameraHost: defineSearchAttributeKey('CameraHost', SearchAttributeType.KEYWORD),
  bufferHost: defineSearchAttributeKey('BufferHost', SearchAttributeType.KEYWORD),
  /** queued, running, done, failed or skipped: the latest pre-processing run. */
  preprocessState: defineSearchAttributeKey('PreprocessState', SearchAttributeType.KEYWORD),
  /** Å; set only when the CTF fit found rings. `CtfResolution > 6` finds the poor micrographs. */
  ctfResolution: defineSearchAttributeKey('CtfResolution', SearchAttributeType.DOUBLE),
  /** Pixels: the whole-frame trajectory's length. */
  totalDrift: defineSearchAttributeKey('TotalDrift', SearchAttributeType.DOUBLE),
  /** The movie's size off the camera (all parts): sums to the backlog `bufferctl status` shows. */
  movieBytes: defineSearchAttributeKey('MovieBytes', SearchAttributeType.INT),
} as const;

/**
 * A movie's stage, as shown by `status` and the MovieStage search attribute. Ordered as a movie passes them;
 * `parked` is a resting state that needs an operator (or a late Leginon row); `left-on-camera` is final: the
 * movie's Leginon image routes outside this server's destination head, so another server takes it.
 */
export const MOVIE_STAGES = [
  'copying',
  'resolving',
  'placing',
  'freeing-camera',
  'archiving',
  'archive-held',
  'archived',
  'expiring',
  'expired',
  'parked',
  'left-on-camera',
] as const;
export type MovieStage = (typeof MOVIE_STAGES)[number];

/** Stages of a movie whose only verified copy is still on the buffer (or the camera). */
export const UNARCHIVED_STAGES = ['copying', 'resolving', 'placing', 'freeing-camera', 'archiving', 'archive-held', 'parked'] as const satisfies readonly MovieStage[];

/** Stages of a movie with a verified archive copy: its timeline up to archiving no longer changes. */
export const ARCHIVED_STAGES: readonly string[] = ['archived', 'expiring', 'expired'] satisfies readonly MovieStage[];
