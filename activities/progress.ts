import { ApplicationFailure, Context } from '@temporalio/activity';

/**
 * Progress callback for long copies and long part lists: heartbeats the bytes or parts done (the SDK throttles the calls) so a dead worker
 * is noticed within the heartbeat timeout, and stops the copy when the workflow cancels it (e.g. a hold).
 */
export function heartbeatProgress(unit: 'bytesDone' | 'partsDone' = 'bytesDone'): (done: number) => void {
  const context = Context.current();
  return (done) => {
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('cancelled');
    context.heartbeat({ [unit]: done });
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
