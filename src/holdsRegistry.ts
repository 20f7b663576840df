/** The holds in force wider than a movie, as the archiveHolds workflow keeps them (none if it never ran). */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HoldRecord } from './holds.js';
import { ARCHIVE_HOLDS_WORKFLOW_ID, QUERIES } from './operatorNames.js';

export async function holdsInForce(client: Client): Promise<HoldRecord[]> {
  try {
    return await client.workflow.getHandle(ARCHIVE_HOLDS_WORKFLOW_ID).query<HoldRecord[]>(QUERIES.holds);
  } catch (error) {
    // No hold was ever placed beyond single movies: the workflow does not exist yet.
    if (error instanceof WorkflowNotFoundError) return [];
    throw error;
  }
}
