/**
 * Temporal visibility queries over movies, built in one place so `bufferctl list` and the queries it prints for
 * `temporal workflow list --query` are always the same text.
 */
import { parseScope, type HoldScope } from './holds.js';
import type { PreprocessState } from './preprocess/job.js';
import { INGEST_WORKFLOW_TYPE, SEARCH_ATTRIBUTES, type MovieStage } from './operatorNames.js';

export interface MovieFilter {
  stage?: MovieStage;
  /** Any of these stages. */
  stages?: readonly MovieStage[];
  /** Only movies whose workflow is still open (not yet expired). */
  open?: boolean;
  /**
   * Only movies whose workflow ended without expiring its movie: failed, terminated or timed out (kept for the
   * namespace's retention). A movie parks rather than fail, so each one is a bug or an operator's terminate.
   */
  closedBadly?: boolean;
  session?: string;
  cameraHost?: string;
  bufferHost?: string;
  preprocessState?: PreprocessState | readonly PreprocessState[];
  /** ISO time: only movies whose workflow started at or after it. */
  startedSince?: string;
  /** ISO time: only movies whose workflow started before it. */
  startedBefore?: string;
}

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function movieListQuery(filter: MovieFilter = {}): string {
  const clauses = [`WorkflowType = ${quote(INGEST_WORKFLOW_TYPE)}`];
  if (filter.stage) clauses.push(`${SEARCH_ATTRIBUTES.movieStage.name} = ${quote(filter.stage)}`);
  if (filter.stages) clauses.push(`${SEARCH_ATTRIBUTES.movieStage.name} IN (${filter.stages.map(quote).join(', ')})`);
  if (filter.open) clauses.push(`ExecutionStatus = 'Running'`);
  if (filter.closedBadly) clauses.push(`ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`);
  if (filter.session) clauses.push(`${SEARCH_ATTRIBUTES.leginonSession.name} = ${quote(filter.session)}`);
  if (filter.cameraHost) clauses.push(`${SEARCH_ATTRIBUTES.cameraHost.name} = ${quote(filter.cameraHost)}`);
  if (filter.bufferHost) clauses.push(`${SEARCH_ATTRIBUTES.bufferHost.name} = ${quote(filter.bufferHost)}`);
  if (typeof filter.preprocessState === 'string') clauses.push(`${SEARCH_ATTRIBUTES.preprocessState.name} = ${quote(filter.preprocessState)}`);
  else if (filter.preprocessState) clauses.push(`${SEARCH_ATTRIBUTES.preprocessState.name} IN (${filter.preprocessState.map(quote).join(', ')})`);
  if (filter.startedSince) clauses.push(`StartTime >= ${quote(filter.startedSince)}`);
  if (filter.startedBefore) clauses.push(`StartTime < ${quote(filter.startedBefore)}`);
  return clauses.join(' AND ');
}

/** The open movies a hold of this scope covers (an empty filter for `all`). */
export function movieFilterFor(scope: HoldScope): MovieFilter {
  const parsed = parseScope(scope);
  if (parsed.kind === 'session') return { session: parsed.value };
  if (parsed.kind === 'bufferHost') return { bufferHost: parsed.value };
  return {};
}

/** The same query as an operator would paste it into a shell. */
export function temporalListCommand(query: string, namespace: string): string {
  return `temporal workflow list --namespace ${namespace} --query "${query.replace(/(["\\$`])/g, '\\$1')}"`;
}
