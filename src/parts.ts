/**
 * A movie's parts as its workflow carries them from one activity to the next. Most movies are one or two files,
 * carried inline. A DE frames folder can hold 100,000 files: listed inline, that passes Temporal's 2 MiB payload
 * limit at about 5,800 files (and the history's 50 MB soon after, since each list travels several times). So a
 * longer list is written to a manifest file on the buffer host (src/partManifests.ts), and the history holds
 * only its hash, the count, the total, the main part and the first conflicts: a payload of the same small size
 * whatever the folder holds. Types and pure helpers only: workflow code imports this.
 */

/** Lists longer than this go to a manifest file (64 parts of about 400 bytes: 25 KiB in a payload). */
export const INLINE_PARTS_LIMIT = 64;

/** Paths of parts stored under a conflict name that a manifest's summary names; the rest are counted. */
export const NAMED_CONFLICTS_LIMIT = 10;

interface Sized {
  fingerprint: { bytes: number };
}

/** A list of parts kept in a manifest file on the buffer host; its XXH3-64 both names and verifies the file. */
export interface PartManifest<T> {
  manifest: string;
  count: number;
  bytes: number;
  /** The part that stands for the movie: the movie file itself, or a DE folder's largest file. */
  main: T;
  /** Parts placed under a conflict name because a different file had theirs: the first few paths, and how many. */
  conflicts: string[];
  conflictCount: number;
}

export type Parts<T> = T[] | PartManifest<T>;

export function isManifest<T>(parts: Parts<T>): parts is PartManifest<T> {
  return !Array.isArray(parts);
}

export function largestPart<T extends Sized>(list: T[]): T {
  return list.reduce((best, p) => (p.fingerprint.bytes > best.fingerprint.bytes ? p : best));
}

export function mainPart<T extends Sized>(parts: Parts<T>): T {
  return isManifest(parts) ? parts.main : largestPart(parts);
}

export function partCount(parts: Parts<unknown>): number {
  return isManifest(parts) ? parts.count : parts.length;
}

export function totalBytes(parts: Parts<Sized>): number {
  return isManifest(parts) ? parts.bytes : parts.reduce((sum, p) => sum + p.fingerprint.bytes, 0);
}

interface MaybeConflicted {
  path: string;
  conflict?: number;
}

/** Paths of the parts stored beside a different file under a conflict name (a manifest names the first few). */
export function conflictedPaths(parts: Parts<MaybeConflicted>): { paths: string[]; count: number } {
  if (isManifest(parts)) return { paths: parts.conflicts, count: parts.conflictCount };
  const paths = parts.filter((p) => (p.conflict ?? 0) > 0).map((p) => p.path);
  return { paths, count: paths.length };
}

/** The manifest files behind some lists, once each (inline lists have none). */
export function manifestsOf(lists: Parts<unknown>[]): string[] {
  return [...new Set(lists.filter(isManifest).map((list) => list.manifest))];
}

/** The summary a manifest's reference carries, for a list too long to carry inline. */
export function summarize<T extends Sized>(list: T[], manifest: string): PartManifest<T> {
  // Only placed and archived parts can have a conflict; a camera part list names none.
  const conflicted = conflictedPaths(list as unknown as MaybeConflicted[]);
  return {
    manifest,
    count: list.length,
    bytes: totalBytes(list),
    main: largestPart(list),
    conflicts: conflicted.paths.slice(0, NAMED_CONFLICTS_LIMIT),
    conflictCount: conflicted.count,
  };
}
