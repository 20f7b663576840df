import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { FileProgressListener, HeartbeatDetails } from '../src/fileProgress.js';

/** Each heartbeat carries everything reported so far: a part count is not lost when a loop reports its bytes. */
const reported = new WeakMap<Context, HeartbeatDetails>();

/** Throws once the workflow has cancelled the activity (e.g. a hold) or its worker is stopping. */
export function throwIfCancelled(context: Context): void {
  if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('cancelled');
}

/** Heartbeats (the SDK throttles the calls to the server); throws when the activity is cancelled. */
function heartbeat(context: Context, change: HeartbeatDetails): void {
  throwIfCancelled(context);
  const details = { ...reported.get(context), ...change };
  reported.set(context, details);
  context.heartbeat(details);
}

/**
 * Progress callback for long copies and long part lists: heartbeats the bytes or parts done so a dead worker is
 * noticed within the heartbeat timeout, and stops the copy when the workflow cancels it.
 */
export function heartbeatProgress(unit: 'bytesDone' | 'partsDone' = 'bytesDone'): (done: number) => void {
  const context = Context.current();
  return (done) => heartbeat(context, { [unit]: done });
}

/** Several beats per heartbeat timeout, so one late beat never looks like a dead worker. */
export function beatEveryMs(context: Context): number {
  return Math.min(5_000, (context.info.heartbeatTimeoutMs ?? 15_000) / 3);
}

/**
 * Heartbeats while `work` runs without loops of its own to report (an external program, a wait for a lock).
 * With `waitingFor`, only while it names what the activity waits for: the work's own reports are not overwritten.
 */
export async function heartbeatWhile<T>(work: Promise<T>, waitingFor?: () => string | undefined): Promise<T> {
  const context = Context.current();
  const beat = setInterval(() => {
    if (!waitingFor) return context.heartbeat();
    const waiting = waitingFor();
    if (waiting) context.heartbeat({ waiting });
  }, beatEveryMs(context));
  try {
    return await work;
  } finally {
    clearInterval(beat);
  }
}

/** Loops report every chunk (8 MiB); a few heartbeats a second are plenty. */
const FILE_HEARTBEAT_EVERY_MS = 250;

/** Heartbeats the full-file loops of this activity (src/fileProgress.ts); a cancellation is seen at every chunk. */
export function heartbeatFileProgress(): FileProgressListener {
  const context = Context.current();
  let lastAt = 0;
  return (file) => {
    throwIfCancelled(context);
    const now = Date.now();
    if (now - lastAt < FILE_HEARTBEAT_EVERY_MS) return;
    lastAt = now;
    heartbeat(context, { file });
  };
}

export function currentAttempt(): number {
  return Context.current().info.attempt;
}

export function isUnsafe(error: unknown): error is Error {
  const name = (error as Error | undefined)?.name;
  return name === 'PathOutsideRootError' || name === 'UnsafeNameError' || name === 'UnsafePathError' || name === 'ManifestDamagedError';
}

/** A path or name refused on safety grounds, or a part manifest gone bad, will not come right by retrying: fail without retries. */
export function refuseUnsafe(error: unknown): never {
  if (isUnsafe(error)) throw ApplicationFailure.nonRetryable(error.message, error.name);
  throw error;
}

/** An expected wait (a full buffer, an unmounted share): retried, and benign so it does not count as a failure. */
export function waitFailure(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, category: ApplicationFailureCategory.BENIGN });
}
