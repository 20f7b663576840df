/** Asks the archiveHolds workflow which holds cover a movie that is about to be archived. */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { holdCovers, type HoldRecord } from '../src/holds.js';
import { ARCHIVE_HOLDS_WORKFLOW_ID, QUERIES } from '../src/operatorNames.js';

export function createHoldActivities({ client }: { client: Client }) {
  return {
    async activeHolds(movie: { session?: string; bufferHost: string }): Promise<HoldRecord[]> {
      try {
        const holds = await client.workflow.getHandle(ARCHIVE_HOLDS_WORKFLOW_ID).query<HoldRecord[]>(QUERIES.holds);
        return holds.filter((hold) => holdCovers(hold.scope, movie));
      } catch (error) {
        // No hold was ever placed beyond single movies: the workflow does not exist yet.
        if (error instanceof WorkflowNotFoundError) return [];
        throw error;
      }
    },
  };
}

export type HoldActivities = ReturnType<typeof createHoldActivities>;
