/**
 * The operator's actions that signal workflows, shared by bufferctl and the dashboard so both do exactly the same
 * thing. None of them deletes anything: holds pause archive and expiry, reprocessing writes a new run folder.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { HoldScope } from './holds.js';
import { ARCHIVE_HOLDS_WORKFLOW_ID, ARCHIVE_HOLDS_WORKFLOW_TYPE, SIGNALS, UNARCHIVED_STAGES, WORKFLOW_TASK_QUEUE, type MovieStage } from './operatorNames.js';
import type { ReprocessRequest } from './preprocess/job.js';
import { movieFilterFor, movieListQuery } from './visibilityQuery.js';

export interface HoldRequest {
  reason: string;
  by: string;
}

/**
 * Which movies of a scope a hold or its release is signalled to. The rest need no signal: a movie asks
 * archiveHolds when it reaches archiving and again before its expiry, so the hundreds of thousands asleep on
 * their expiry timers are never woken. Holds go to every movie not yet archived (one entering archiving now may
 * still show an earlier stage: visibility lags its workflow a little); releases to the held ones.
 */
const SIGNALLED_STAGES = { hold: UNARCHIVED_STAGES, release: ['archive-held'] } as const satisfies Record<'hold' | 'release', readonly MovieStage[]>;

/** A movie that has just become held may still show `archived`: a release is signalled to the held ones once more after this. */
const RELEASE_AGAIN_AFTER_MS = 5_000;

/**
 * Holds (or releases) a session, buffer host or everything: recorded in archiveHolds, which movies consult
 * before archiving and before expiry, and signalled only to the movies that cannot wait for that (see
 * SIGNALLED_STAGES). Returns how many movies were signalled.
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
  const signalAll = async () => {
    let signalled = 0;
    const query = movieListQuery({ ...movieFilterFor(scope), stages: SIGNALLED_STAGES[action], open: true });
    for await (const movie of client.workflow.list({ query })) {
      await changeMovieHold(client, action, movie.workflowId, request, scope);
      signalled++;
    }
    return signalled;
  };
  const signalled = await signalAll();
  if (action === 'release') {
    await new Promise((resolve) => setTimeout(resolve, RELEASE_AGAIN_AFTER_MS));
    await signalAll();
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
