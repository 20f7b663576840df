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
