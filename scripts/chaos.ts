/**
 * `npm run chaos`: every chaos scenario (test/chaos/scenarios.ts) on a real dev server, MariaDB, worker
 * processes and files, then a table: scenario, movies, faults injected, invariant violations (must be 0), time to
 * recover. Exits 1 on any violation. CHAOS_MOVIES (default 8), CHAOS_MOVIE_MB (20), CHAOS_KILLS (20),
 * CHAOS_OUTAGE_S (20); CHAOS_ONLY=bitFlips,workerKills runs some. The CI runs a short form (test/integration/chaos.test.ts).
 */
import { ensureMariaDb } from '../src/mariadb.js';
import { ensureTemporalCli } from '../src/temporalDevServer.js';
import { SCENARIOS, type ScenarioResult } from '../test/chaos/scenarios.js';
import { TEST_MARIADB } from '../test/helpers/harness.js';

const size = {
  movies: Number(process.env.CHAOS_MOVIES ?? 8),
  movieBytes: Number(process.env.CHAOS_MOVIE_MB ?? 20) * 1024 * 1024,
  kills: Number(process.env.CHAOS_KILLS ?? 20),
  outageMs: Number(process.env.CHAOS_OUTAGE_S ?? 20) * 1000,
};
await ensureTemporalCli();
await ensureMariaDb(TEST_MARIADB);
const results: ScenarioResult[] = [];
const only = process.env.CHAOS_ONLY?.split(',');
for (const [name, scenario] of Object.entries(SCENARIOS).filter(([name]) => !only || only.includes(name))) {
  console.log(`running ${name} ...`);
  results.push(await scenario(size));
}
console.log(`\n${'scenario'.padEnd(44)}${'movies'.padStart(7)}${'faults'.padStart(8)}${'violations'.padStart(12)}${'recover s'.padStart(11)}  notes`);
for (const r of results) {
  console.log(`${r.scenario.padEnd(44)}${String(r.movies).padStart(7)}${String(r.faults).padStart(8)}${String(r.violations.length).padStart(12)}${r.recoverySeconds.toFixed(1).padStart(11)}  ${r.notes}`);
  for (const v of r.violations) console.log(`    VIOLATION ${v}`);
}
process.exit(results.some((r) => r.violations.length) ? 1 : 0);
