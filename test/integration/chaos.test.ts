import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCENARIOS } from '../chaos/scenarios.js';

/** The short form of `npm run chaos`: every scenario, small, zero invariant violations. */
describe('chaos (short form)', () => {
  const size = { movies: 3, movieBytes: 5 * 1024 * 1024, kills: 3, outageMs: 3000 };
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name}: every movie settles with zero invariant violations`, async () => {
      const result = await scenario(size);
      assert.deepEqual(result.violations, [], `${result.scenario}: ${result.violations.join('; ')}`);
      assert.equal(result.movies, size.movies);
    });
  }
});
