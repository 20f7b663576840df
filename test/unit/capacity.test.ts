import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUsage, oldestFirstWindows, planEarlyExpiry, readOldestFirst, type ExpiryCandidate, type StartWindow } from '../../src/capacity.js';

const GiB = 1024 ** 3;
const movie = (id: string, day: number, gib: number) => ({ workflowId: id, startTime: new Date(Date.UTC(2026, 10, day)), bytes: gib * GiB });
const marks = { high: 0.9, low: 0.8 };

describe('early expiry above the high watermark', () => {
  it('does nothing under the high watermark', () => {
    const plan = planEarlyExpiry({ totalBytes: 100 * GiB, freeBytes: 15 * GiB }, [movie('a', 1, 5)], marks);
    assert.equal(plan.aboveHigh, false);
    assert.deepEqual(plan.expire, []);
    assert.equal(describeUsage(plan, marks), '85.0% used, under the high watermark (90.0%)');
  });

  it('takes the oldest archived movies until usage would be under the low watermark', () => {
    const plan = planEarlyExpiry({ totalBytes: 100 * GiB, freeBytes: 5 * GiB }, [movie('new', 20, 8), movie('old', 1, 8), movie('mid', 10, 8)], marks);
    assert.equal(plan.aboveHigh, true);
    assert.equal(plan.bytesToFree, 15 * GiB);
    assert.deepEqual(plan.expire.map((m) => m.workflowId), ['old', 'mid']);
    assert.equal(plan.bytesFreed, 16 * GiB);
  });

  it('counts what is already being expired as freed: a check does not send another batch while the last one waits for its slots', () => {
    const usage = { totalBytes: 100 * GiB, freeBytes: 5 * GiB };
    const archived = [movie('old', 1, 8), movie('mid', 10, 8), movie('new', 20, 8)];
    const first = planEarlyExpiry(usage, archived, marks);
    assert.deepEqual(first.expire.map((m) => m.workflowId), ['old', 'mid']);
    // A minute later those two are expiring, not yet gone: the disk still says 95% used.
    const next = planEarlyExpiry(usage, archived.slice(2), marks, 16 * GiB);
    assert.deepEqual(next.expire, []);
    assert.equal(next.bytesToFree, 0);
  });

  it('falls short rather than take anything that is not archived', () => {
    const plan = planEarlyExpiry({ totalBytes: 100 * GiB, freeBytes: 1 * GiB }, [movie('only', 1, 2)], marks);
    assert.deepEqual(plan.expire.map((m) => m.workflowId), ['only']);
    assert.ok(plan.bytesFreed < plan.bytesToFree);
  });
});

describe('reading the oldest archived movies window by window (a facility keeps 100k-340k of them)', () => {
  const now = new Date(Date.UTC(2026, 11, 2, 12));
  const day = 86_400_000;
  const inWindow = (t: Date, w: StartWindow) => (!w.since || t >= w.since) && (!w.before || t < w.before);

  it('covers all time up to now and beyond, oldest first, each start time in exactly one window', () => {
    const windows = oldestFirstWindows(now, 14 * day);
    assert.equal(windows.length, 29);
    assert.equal(windows[0]!.since, undefined, 'movies older than their expiry (held, delayed) come first');
    assert.equal(windows.at(-1)!.before, undefined, 'a movie started while the check runs is in the newest window');
    for (let i = 1; i < windows.length; i++) assert.equal(windows[i]!.since!.getTime(), windows[i - 1]!.before!.getTime());
    for (const t of [new Date(0), new Date(now.getTime() - 14 * day), new Date(now.getTime() - 3.3 * day), now, new Date(now.getTime() + 60_000)]) {
      assert.equal(windows.filter((w) => inWindow(t, w)).length, 1, t.toISOString());
    }
  });

  it('lets the oldest windows alone give the plan that reading every movie gives', async () => {
    // 14 days of a K3 at 400 movies an hour, plus two held ones from last month.
    const archived: ExpiryCandidate[] = [];
    for (let i = 0; i < 14 * 24 * 400; i++) archived.push({ workflowId: `m${i}`, startTime: new Date(now.getTime() - 14 * day + i * 9_000), bytes: 0.5 * GiB });
    archived.push({ workflowId: 'held-1', startTime: new Date(now.getTime() - 30 * day), bytes: GiB }, { workflowId: 'held-2', startTime: new Date(now.getTime() - 20 * day), bytes: GiB });
    const usage = { totalBytes: 80_000 * GiB, freeBytes: 4_000 * GiB };
    const wanted = planEarlyExpiry(usage, [], marks).bytesToFree;
    // Visibility lists newest first: so does this stand-in.
    const listWindow = async function* (w: StartWindow) {
      yield* archived.filter((m) => inWindow(m.startTime, w)).reverse();
    };
    const read = await readOldestFirst(oldestFirstWindows(now, 14 * day), listWindow, { bytes: wanted });
    const all = planEarlyExpiry(usage, archived, marks);
    assert.deepEqual(planEarlyExpiry(usage, read, marks).expire, all.expire);
    assert.ok(read.length < archived.length / 4, `read ${read.length} of ${archived.length}`);
  });

  it('reads windows until it has as many movies as asked for, even with no bytes to free', async () => {
    const movies = Array.from({ length: 100 }, (_, i) => ({ workflowId: `m${i}`, startTime: new Date(now.getTime() - (100 - i) * 3_600_000), bytes: 1 }));
    const listWindow = async function* (w: StartWindow) {
      yield* movies.filter((m) => inWindow(m.startTime, w));
    };
    const read = await readOldestFirst(oldestFirstWindows(now, 5 * day), listWindow, { movies: 20 });
    assert.ok(read.length >= 20 && read.length < 40, `read ${read.length}`);
    assert.deepEqual(read.slice(0, 20).map((m) => m.workflowId), movies.slice(0, 20).map((m) => m.workflowId));
  });
});
