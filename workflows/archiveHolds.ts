/**
 * archiveHolds: the holds in force wider than one movie (a session, a buffer host, everything), kept so that a
 * movie arriving during maintenance is held too. bufferctl places and lifts them here and signals the movies
 * already running; a new movie asks here when it reaches archiving. Continues as new to stay small.
 */
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { HoldRecord, HoldRequest, HoldScope } from '../src/holds.js';
import { QUERIES, SIGNALS } from '../src/operatorNames.js';

export const holdsQuery = defineQuery<HoldRecord[]>(QUERIES.holds);
export const placeHoldSignal = defineSignal<[HoldRequest & { scope: HoldScope }]>(SIGNALS.placeHold);
export const liftHoldSignal = defineSignal<[{ scope: HoldScope }]>(SIGNALS.liftHold);

const CHANGES_PER_RUN = 500;

export async function archiveHolds(held: HoldRecord[] = []): Promise<never> {
  const holds = new Map(held.map((h) => [h.scope, h]));
  let changes = 0;
  setHandler(holdsQuery, () => [...holds.values()]);
  setHandler(placeHoldSignal, (request) => {
    holds.set(request.scope, { scope: request.scope, reason: request.reason ?? 'held by operator', by: request.by ?? 'unknown', since: new Date().toISOString() });
    changes++;
  });
  setHandler(liftHoldSignal, ({ scope }) => {
    holds.delete(scope);
    changes++;
  });
  await condition(() => changes >= CHANGES_PER_RUN);
  await condition(allHandlersFinished);
  return continueAsNew<typeof archiveHolds>([...holds.values()]);
}
