import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StabilityTracker } from '../../src/stability.js';

describe('StabilityTracker', () => {
  it('calls a file complete only after size and mtime stayed the same for the whole period', () => {
    const t = new StabilityTracker(10_000);
    t.observe('a', 100, 1, 0);
    assert.deepEqual(t.complete(9_999), []);
    t.observe('a', 200, 2, 9_999);
    assert.deepEqual(t.complete(19_000), []);
    t.observe('a', 200, 2, 19_000);
    assert.deepEqual(t.complete(19_999), ['a']);
  });

  it('restarts the quiet period when only the mtime changes', () => {
    const t = new StabilityTracker(1000);
    t.observe('a', 100, 1, 0);
    t.observe('a', 100, 5, 900);
    assert.deepEqual(t.complete(1500), []);
    assert.deepEqual(t.complete(1900), ['a']);
  });

  it('hands a file over once, even if it changes later; forgetting it starts afresh', () => {
    const t = new StabilityTracker(0);
    t.observe('a', 1, 1, 0);
    t.handOver('a');
    t.observe('a', 2, 2, 1);
    assert.deepEqual(t.complete(10), []);
    t.forget('a');
    t.observe('a', 2, 2, 20);
    assert.deepEqual(t.complete(20), ['a']);
  });

  it('never calls an empty file complete', () => {
    const t = new StabilityTracker(0);
    t.observe('a', 0, 1, 0);
    assert.deepEqual(t.complete(100), []);
  });
});
