/**
 * The operator's actions that signal workflows, shared by bufferctl and the dashboard so both do exactly the same
 * thing. None of them deletes anything: holds pause archive and expiry, reprocessing writes a new run folder.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HoldScope } from './holds.js';
import { ARCHIVE_HOLDS_WORKFLOW_ID, ARCHIVE_HOLDS_WORKFLOW_TYPE, SIGNALS, WORKFLOW_TASK_QUEUE } from './operatorNames.js';
import type { ReprocessRequest } from './preprocess/job.js';
import { movieFilterFor, movieListQuery } from './visibilityQuery.js';

export interface HoldRequest {
  reason: string;
  by: string;
}

/**
 * Holds (or releases) a session, buffer host or everything: recorded in archiveHolds so movies arriving later are
 * covered too, and signalled to every open movie already in the scope. Returns how many open movies were signalled.
 */
export async function changeScopeHold(client: Client, action: 'hold' | 'release', scope: HoldScope, request: HoldRequest): Promise<number> {
  if (action === 'hold') {
    await client.workflow.signalWithStart(ARCHIVE_HOLDS_WORKFLOW_TYPE, {
      workflowId: ARCHIVE_HOLDS_WORKFLOW_ID,
      taskQueue: WORKFLOW_TASK_QUEUE,
      args: [[]],
      signal: SIGNALS.placeHold,
      signalArgs: [{ scope, ...request }],
    });
  } else {
    await client.workflow
      .getHandle(ARCHIVE_HOLDS_WORKFLOW_ID)
      .signal(SIGNALS.liftHold, { scope })
      .catch((error) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
  }
  let signalled = 0;
  for await (const movie of client.workflow.list({ query: movieListQuery({ ...movieFilterFor(scope), open: true }) })) {
    await changeMovieHold(client, action, movie.workflowId, request, scope);
    signalled++;
  }
  return signalled;
}

/** Holds or releases one movie (scope "movie"), or passes a wider scope's hold on to it. */
export async function changeMovieHold(client: Client, action: 'hold' | 'release', workflowId: string, request: HoldRequest, scope: HoldScope = 'movie'): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  await (action === 'hold' ? handle.signal(SIGNALS.holdArchive, { scope, ...request }) : handle.signal(SIGNALS.releaseArchive, { scope }));
}

/** Asks each movie to pre-process again; a movie whose workflow has ended (expired) cannot be, and is listed as such. */
export async function reprocessMovies(client: Client, workflowIds: string[], request: ReprocessRequest): Promise<{ signalled: string[]; ended: string[] }> {
  const result = { signalled: [] as string[], ended: [] as string[] };
  for (const id of workflowIds) {
    try {
      await client.workflow.getHandle(id).signal(SIGNALS.reprocess, request);
      result.signalled.push(id);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      result.ended.push(id);
    }
  }
  return result;
}
