/**
 * The capacity benchmark's light synthetic movie: what a real `ingestMovie` is for the server while it sleeps
 * on its expiry timer (its type, its id scheme, its search attributes set at start, one timer), without the ~55
 * events of a real one's copy and archive. Registered only by the benchmark's own worker, on its own task queue,
 * so a real worker never runs it; its ids say `synthetic` so it is never taken for a real movie.
 */
import { sleep } from '@temporalio/workflow';

export async function ingestMovie(sleepMs: number): Promise<void> {
  await sleep(sleepMs);
}
