/**
 * Archive holds wider than one movie: a session, a buffer host, or everything ("GPFS maintenance"). Each is kept
 * in the archiveHolds workflow (so a hold placed before a movie exists applies when it arrives) and signalled to
 * the movies it covers. Pure; plain data (workflow code imports it).
 */
export type HoldScope = 'movie' | 'all' | `session:${string}` | `bufferHost:${string}`;

export interface HoldRecord {
  scope: HoldScope;
  reason: string;
  by: string;
  since: string;
}

export interface HoldRequest {
  scope?: HoldScope;
  reason?: string;
  by?: string;
}

/** Whether a hold of this scope covers a movie of this session on this buffer host. */
export function holdCovers(scope: HoldScope, movie: { session?: string; bufferHost: string }): boolean {
  if (scope === 'all') return true;
  if (scope.startsWith('session:')) return movie.session === scope.slice('session:'.length);
  if (scope.startsWith('bufferHost:')) return movie.bufferHost === scope.slice('bufferHost:'.length);
  return false;
}

export function describeScope(scope: HoldScope): string {
  if (scope === 'all') return 'every movie';
  if (scope === 'movie') return 'this movie';
  const [kind, value] = [scope.slice(0, scope.indexOf(':')), scope.slice(scope.indexOf(':') + 1)];
  return kind === 'session' ? `session ${value}` : `buffer host ${value}`;
}
