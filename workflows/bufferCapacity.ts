/**
 * bufferCapacity: checks one buffer host's usage on a schedule, forever (continued as new to stay small), and
 * answers the `capacity` query. The check itself warns and, if configured, expires archived movies early.
 */
import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { CapacityActivities } from '../activities/capacity.js';
import type { CapacityReport } from '../src/capacity.js';
import { lookupTaskQueue, QUERIES } from '../src/operatorNames.js';

export const capacityQuery = defineQuery<CapacityReport | undefined>(QUERIES.capacity);

const CHECKS_PER_RUN = 200;

export async function bufferCapacity(input: { bufferHost: string; intervalMs: number; last?: CapacityReport }): Promise<never> {
  let last = input.last;
  setHandler(capacityQuery, () => last);
  const { checkCapacity } = proxyActivities<CapacityActivities>({
    taskQueue: lookupTaskQueue(input.bufferHost),
    scheduleToCloseTimeout: input.intervalMs + 60_000,
    retry: { maximumAttempts: 1 },
  });
  for (let check = 0; check < CHECKS_PER_RUN && !workflowInfo().continueAsNewSuggested; check++) {
    // A failed check (worker down, disk unreadable) keeps the last report; the next interval tries again.
    last = await checkCapacity().catch(() => last);
    await sleep(input.intervalMs);
  }
  return continueAsNew<typeof bufferCapacity>({ ...input, last });
}
