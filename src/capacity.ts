/**
 * Buffer capacity: high and low watermarks. Above the high watermark the buffer host warns, and (if configured)
 * chooses already-archived movies to expire early, oldest first, until the expected usage is back under the low
 * watermark. Only archived movies are candidates, and each still re-verifies its archive copy before deleting
 * anything. Pure: the same plan serves the capacity workflow and `bufferctl expire --dry-run`.
 */

export interface BufferUsage {
  totalBytes: number;
  freeBytes: number;
}

/** A buffer host's last capacity check, as its bufferCapacity workflow keeps it (query `capacity`). */
export interface CapacityReport {
  at: string;
  usage: BufferUsage;
  usedFraction: number;
  aboveHigh: boolean;
  bytesToFree: number;
  /** How many movies this check signalled to expire early (counts only: the workflow keeps every report in its history). */
  expiredEarlyCount: number;
}

export interface ExpiryCandidate {
  workflowId: string;
  /** When the movie arrived; the oldest go first. */
  startTime: Date;
  bytes: number;
}

export interface Watermarks {
  /** Fractions of the buffer's size, e.g. 0.9 and 0.8. */
  high: number;
  low: number;
}

export interface ExpiryPlan {
  usedFraction: number;
  aboveHigh: boolean;
  /** Bytes to free to get under the low watermark (0 when not above the high one). */
  bytesToFree: number;
  /** Archived movies to expire early, oldest first; may fall short when not enough is archived. */
  expire: ExpiryCandidate[];
  /** Bytes the chosen movies free. */
  bytesFreed: number;
}

/**
 * `expiringBytes`: what movies already on their way out (stage `expiring`, e.g. sent by the last check and
 * waiting for an expiry slot) will free; counted as freed, or every check would send another batch.
 */
export function planEarlyExpiry(usage: BufferUsage, archived: ExpiryCandidate[], marks: Watermarks, expiringBytes = 0): ExpiryPlan {
  const used = usage.totalBytes - usage.freeBytes;
  const usedFraction = usage.totalBytes > 0 ? used / usage.totalBytes : 0;
  const aboveHigh = usedFraction > marks.high;
  const bytesToFree = aboveHigh ? Math.max(0, used - expiringBytes - marks.low * usage.totalBytes) : 0;
  const expire: ExpiryCandidate[] = [];
  let bytesFreed = 0;
  for (const movie of [...archived].sort((a, b) => a.startTime.getTime() - b.startTime.getTime())) {
    if (bytesFreed >= bytesToFree) break;
    expire.push(movie);
    bytesFreed += movie.bytes;
  }
  return { usedFraction, aboveHigh, bytesToFree, expire, bytesFreed };
}

export function describeUsage(plan: ExpiryPlan, marks: Watermarks): string {
  const percent = (f: number) => `${(f * 100).toFixed(1)}%`;
  const state = plan.aboveHigh ? `ABOVE the high watermark (${percent(marks.high)})` : `under the high watermark (${percent(marks.high)})`;
  return `${percent(plan.usedFraction)} used, ${state}`;
}

/** A range of workflow start times: from `since` (inclusive) to `before` (exclusive); open where absent. */
export interface StartWindow {
  since?: Date;
  before?: Date;
}

/**
 * The ranges of start time to read archived movies in, oldest first, covering all time up to now: first every
 * movie older than its expiry (held or delayed ones), then the expiry period in `count` slices. Early expiry
 * needs only the oldest movies, and visibility lists newest first with no ORDER BY on SQL servers: reading slice
 * by slice until enough bytes are found reads a fraction of a facility's 100k-340k archived movies, where one
 * full listing took 52 s at 100k (npm run bench -- capacity), most of the check's time limit.
 */
export function oldestFirstWindows(now: Date, expiryAfterMs: number, count = 28): StartWindow[] {
  const due = now.getTime() - expiryAfterMs;
  const slice = expiryAfterMs / count;
  const windows: StartWindow[] = [{ before: new Date(due) }];
  for (let i = 0; i < count; i++) {
    // The newest slice stays open: a movie that started while the check runs is still in some slice.
    windows.push({ since: new Date(due + i * slice), before: i === count - 1 ? undefined : new Date(due + (i + 1) * slice) });
  }
  return windows;
}

/**
 * The oldest movies, reading `windows` in turn (from oldestFirstWindows) until what was read holds at least
 * `enough.bytes` and numbers at least `enough.movies`, or every window is read. A window is read whole, so the
 * oldest of what is returned are the oldest there are.
 */
export async function readOldestFirst(
  windows: StartWindow[],
  listWindow: (window: StartWindow) => AsyncIterable<ExpiryCandidate>,
  enough: { bytes?: number; movies?: number },
): Promise<ExpiryCandidate[]> {
  const movies: ExpiryCandidate[] = [];
  let bytes = 0;
  for (const window of windows) {
    if (bytes >= (enough.bytes ?? 0) && movies.length >= (enough.movies ?? 0)) break;
    for await (const movie of listWindow(window)) {
      movies.push(movie);
      bytes += movie.bytes;
    }
  }
  return movies;
}
