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

/** A scope taken apart: its kind, and the session or buffer host it names. */
export type ParsedScope = { kind: 'movie' } | { kind: 'all' } | { kind: 'session'; value: string } | { kind: 'bufferHost'; value: string };

export function parseScope(scope: HoldScope): ParsedScope {
  if (scope === 'movie') return { kind: 'movie' };
  if (scope === 'all') return { kind: 'all' };
  const colon = scope.indexOf(':');
  return { kind: scope.slice(0, colon) as 'session' | 'bufferHost', value: scope.slice(colon + 1) } as ParsedScope;
}

/** Whether a hold of this scope covers a movie of this session on this buffer host. */
export function holdCovers(scope: HoldScope, movie: { session?: string; bufferHost: string }): boolean {
  const parsed = parseScope(scope);
  if (parsed.kind === 'all') return true;
  if (parsed.kind === 'session') return movie.session === parsed.value;
  if (parsed.kind === 'bufferHost') return movie.bufferHost === parsed.value;
  return false;
}

export function describeScope(scope: HoldScope): string {
  const parsed = parseScope(scope);
  if (parsed.kind === 'all') return 'every movie';
  if (parsed.kind === 'movie') return 'this movie';
  return `${parsed.kind === 'session' ? 'session' : 'buffer host'} ${parsed.value}`;
}
