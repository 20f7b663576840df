/**
 * Decides when a camera entry is complete. Camera shares are SMB/NFS, where no close-after-write event arrives,
 * so an entry counts as complete once its size and version (a file's mtime; for a DE folder, a digest of its
 * files' names, sizes and mtimes) have stayed the same for a while. Pure and clock-free: callers pass the time.
 */
interface Observation {
  bytes: number;
  version: number;
  unchangedSince: number;
}

/** What a handed-over entry is remembered as: one shared value, so a share of a million entries costs only their names. */
const HANDED_OVER = 'handed-over';

export class StabilityTracker {
  private readonly entries = new Map<string, Observation | typeof HANDED_OVER>();
  /** The entries not handed over yet: what each sweep looks at, however many the share holds. */
  private readonly waiting = new Set<string>();

  constructor(private readonly stableForMs: number) {}

  /** Records what a poll saw; any change of size or version restarts the entry's quiet period. */
  observe(entry: string, bytes: number, version: number, now: number): void {
    const previous = this.entries.get(entry);
    if (previous === HANDED_OVER) return;
    if (previous && previous.bytes === bytes && previous.version === version) return;
    this.entries.set(entry, { bytes, version, unchangedSince: now });
    this.waiting.add(entry);
  }

  forget(entry: string): void {
    this.entries.delete(entry);
    this.waiting.delete(entry);
  }

  /** Entries quiet for long enough that have not been handed over yet (an empty one never is). */
  complete(now: number): string[] {
    return [...this.waiting].filter((entry) => {
      const o = this.entries.get(entry) as Observation;
      return o.bytes > 0 && now - o.unchangedSince >= this.stableForMs;
    });
  }

  /** Every entry seen and not yet handed over. */
  pending(): string[] {
    return [...this.waiting];
  }

  /** Marks an entry as taken care of, so later polls of it start nothing (until it is forgotten). */
  handOver(entry: string): void {
    if (!this.entries.has(entry)) return;
    this.entries.set(entry, HANDED_OVER);
    this.waiting.delete(entry);
  }

  isHandedOver(entry: string): boolean {
    return this.entries.get(entry) === HANDED_OVER;
  }

  /** Every entry known, handed over or not (to forget those a full scan no longer finds). */
  known(): IterableIterator<string> {
    return this.entries.keys();
  }

  get size(): number {
    return this.entries.size;
  }
}
