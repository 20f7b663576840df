/**
 * What `bufferctl status` and the dashboard show per buffer host: movies per stage, the un-archived backlog and its
 * oldest movie, the archive target's health, the last capacity check and pre-processing queues.
 */
import type { Client } from '@temporalio/client';
import type { CapacityReport } from './capacity.js';
import { diskSpace } from './bufferInventory.js';
import type { Config } from './config.js';
import { bufferCapacityWorkflowId, MOVIE_STAGES, QUERIES, SEARCH_ATTRIBUTES, storageHealthWorkflowId, UNARCHIVED_STAGES } from './operatorNames.js';
import type { HostOverview } from './overview.js';
import type { TargetHealth } from './storageHealth.js';
import { movieListQuery, type MovieFilter } from './visibilityQuery.js';

export async function gatherHostOverview(client: Client, config: Config, bufferHost: string, root: string): Promise<HostOverview> {
  const count = async (filter: MovieFilter) => (await client.workflow.count(movieListQuery({ bufferHost, open: true, ...filter }))).count;
  const stages = Object.fromEntries(await Promise.all(MOVIE_STAGES.map(async (stage) => [stage, await count({ stage })] as const)));
  const unarchived: HostOverview['unarchived'] = { movies: 0, bytes: 0 };
  for await (const movie of client.workflow.list({ query: movieListQuery({ bufferHost, stages: UNARCHIVED_STAGES, open: true }) })) {
    unarchived.movies++;
    unarchived.bytes += movie.typedSearchAttributes.get(SEARCH_ATTRIBUTES.movieBytes) ?? 0;
    if (!unarchived.oldest || movie.startTime < unarchived.oldest.startTime) {
      unarchived.oldest = { workflowId: movie.workflowId, startTime: movie.startTime, stage: movie.typedSearchAttributes.get(SEARCH_ATTRIBUTES.movieStage) ?? '?' };
    }
  }
  const health = await client.workflow
    .getHandle(storageHealthWorkflowId(config.archive.target, bufferHost))
    .query<TargetHealth>(QUERIES.health)
    .catch((error: Error) => ({ unavailable: error.message }));
  const capacity = await client.workflow
    .getHandle(bufferCapacityWorkflowId(bufferHost))
    .query<CapacityReport | undefined>(QUERIES.capacity)
    .catch(() => undefined);
  // Free space is read here when bufferctl runs on the buffer host itself.
  const bufferSpace = await diskSpace(root).catch(() => ({ unavailable: `${root} is not mounted here; run bufferctl on ${bufferHost}` }));
  return {
    bufferHost,
    target: config.archive.target,
    stages,
    unarchived,
    bufferSpace,
    // A report kept from before counts were reported (at most one check interval after a deploy) has none.
    capacity: capacity && { usedFraction: capacity.usedFraction, aboveHigh: capacity.aboveHigh, at: capacity.at, expiredEarly: capacity.expiredEarlyCount ?? 0 },
    health,
    preprocess: { waiting: await count({ preprocessState: ['queued', 'running'] }), failed: await count({ preprocessState: 'failed' }) },
    closedBadly: await count({ open: false, closedBadly: true }),
  };
}
