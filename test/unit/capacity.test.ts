import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUsage, planEarlyExpiry } from '../../src/capacity.js';

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
