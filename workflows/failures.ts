/**
 * Which errors park a movie instead of failing its workflow. A failed ingestMovie is never archived or expired
 * and leaves every open-movie view, so every activity failure the workflow does not act on parks the movie with
 * the reason, until an operator signals retry.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, CancelledFailure, TimeoutFailure } from '@temporalio/workflow';

/**
 * The reason an activity's failure parks the movie, in an operator's words; undefined when it is no activity
 * failure, or when this scope was cancelled (an operator cancelling the workflow, or a hold interrupting a copy:
 * whoever cancelled decides what follows).
 */
export function parkingReason(error: unknown): string | undefined {
  if (!(error instanceof ActivityFailure) || CancellationScope.current().consideredCancelled) return undefined;
  const { cause, activityType } = error;
  if (cause instanceof ApplicationFailure) return cause.message;
  // A timeout reaches the workflow only when the server stopped retrying: a worker lost while a cancellation was pending.
  if (cause instanceof TimeoutFailure) return `${activityType} timed out and was not retried (its worker was lost while it was being cancelled)`;
  if (cause instanceof CancelledFailure) return `${activityType} was cancelled on its worker (a worker shutting down)`;
  return `${activityType} failed: ${cause?.message ?? error.message}`;
}
