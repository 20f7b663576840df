/** Asks the archiveHolds workflow which holds cover a movie that is about to be archived. */
import type { Client } from '@temporalio/client';
import { holdCovers, type HoldRecord } from '../src/holds.js';
import { holdsInForce } from '../src/holdsRegistry.js';

export function createHoldActivities({ client }: { client: Client }) {
  return {
    async activeHolds(movie: { session?: string; bufferHost: string }): Promise<HoldRecord[]> {
      return (await holdsInForce(client)).filter((hold) => holdCovers(hold.scope, movie));
    },
  };
}

export type HoldActivities = ReturnType<typeof createHoldActivities>;
