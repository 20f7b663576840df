/**
 * Decides when a camera file is complete. Camera shares are SMB/NFS, where no close-after-write event arrives,
 * so a file counts as complete once its size and mtime have stayed the same for a while. Pure and clock-free:
 * callers pass the time.
 */
interface Observation {
  bytes: number;
  mtimeMs: number;
  unchangedSince: number;
  handedOver: boolean;
}

export class StabilityTracker {
  private readonly files = new Map<string, Observation>();

  constructor(private readonly stableForMs: number) {}

  /** Records what a poll saw; any change of size or mtime restarts the file's quiet period. */
  observe(file: string, bytes: number, mtimeMs: number, now: number): void {
    const previous = this.files.get(file);
    if (previous && previous.bytes === bytes && previous.mtimeMs === mtimeMs) return;
    this.files.set(file, { bytes, mtimeMs, unchangedSince: now, handedOver: previous?.handedOver ?? false });
  }

  forget(file: string): void {
    this.files.delete(file);
  }

  /** Files quiet for long enough that have not been handed over yet. */
  complete(now: number): string[] {
    return [...this.files.entries()]
      .filter(([, o]) => !o.handedOver && o.bytes > 0 && now - o.unchangedSince >= this.stableForMs)
      .map(([file]) => file);
  }

  /** Every file seen and not yet handed over. */
  pending(): string[] {
    return [...this.files.entries()].filter(([, o]) => !o.handedOver).map(([file]) => file);
  }

  /** Marks a file as taken care of, so later polls of the same file start nothing. */
  handOver(file: string): void {
    const observation = this.files.get(file);
    if (observation) observation.handedOver = true;
  }

  get size(): number {
    return this.files.size;
  }
}
