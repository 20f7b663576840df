import { ApplicationFailure, Context } from '@temporalio/activity';

/**
 * Progress callback for long copies: heartbeats the byte count (the SDK throttles the calls) so a dead worker
 * is noticed within the heartbeat timeout, and stops the copy when the workflow cancels it (e.g. a hold).
 */
export function heartbeatProgress(): (bytesDone: number) => void {
  const context = Context.current();
  return (bytesDone) => {
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('cancelled');
    context.heartbeat({ bytesDone });
  };
}

export function currentAttempt(): number {
  return Context.current().info.attempt;
}

export function isUnsafe(error: unknown): error is Error {
  const name = (error as Error | undefined)?.name;
  return name === 'PathOutsideRootError' || name === 'UnsafeNameError' || name === 'UnsafePathError';
}

/** A path or name refused on safety grounds will not become safe by retrying: fail without retries. */
export function refuseUnsafe(error: unknown): never {
  if (isUnsafe(error)) throw ApplicationFailure.nonRetryable(error.message, error.name);
  throw error;
}
