import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '../../src/boundedMap.js';

describe('BoundedMap (the dashboard caches any URL can grow)', () => {
  it('keeps at most its limit, forgetting the least recently used first', () => {
    const map = new BoundedMap<string, number>(3);
    for (let i = 0; i < 100_000; i++) map.set(`session-${i}`, i);
    assert.equal(map.size, 3);
    assert.equal(map.get('session-0'), undefined);
    assert.equal(map.get('session-99999'), 99_999);
  });

  it('counts a read as a use', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    map.get('a');
    map.set('c', 3);
    assert.deepEqual([map.get('a'), map.get('b'), map.get('c')], [1, undefined, 3]);
  });
});
