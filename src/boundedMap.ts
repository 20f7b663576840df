/**
 * A map that keeps at most `limit` entries, forgetting the least recently used first. The dashboard's caches are
 * keyed by what viewers ask for (any session name in a URL, every movie they show), so without a bound anyone who
 * can reach the page can grow them until the process dies; the camera watcher's log-once set is keyed by names
 * on the share, which anyone who can write there picks.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: moving the key to the end marks it as the most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }
}
