/**
 * `npm test`: every test, against the real Temporal dev server and MariaDB. Installs what the tests need first
 * (the pinned Temporal CLI, a running MariaDB, Debian's relion and chromium packages, CTFFIND 4.1.14 built from Debian's source), type-checks, then runs node's test runner one file at a time
 * (integration tests each start their own dev server and database).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ensureMariaDb } from '../src/mariadb.js';
import { ensureCtffindInstalled } from '../src/ctffindBuild.js';
import { ensureChromiumInstalled, ensureRelionInstalled } from '../src/debianPackages.js';
import { ensureTemporalCli } from '../src/temporalDevServer.js';
import { TEST_MARIADB } from '../test/helpers/harness.js';

const root = path.resolve(import.meta.dirname, '..');
const files = (dir: string) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(dir, f));

const only = process.argv.slice(2);
await ensureTemporalCli();
await ensureMariaDb(TEST_MARIADB);
await ensureRelionInstalled();
await ensureCtffindInstalled();
await ensureChromiumInstalled();
if (only.length === 0) {
  console.log('Type-checking...');
  await execa('npx', ['tsc', '--noEmit'], { cwd: root, stdio: 'inherit' });
}
const run = await execa(
  'node',
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...(only.length ? only : [...files('test/unit'), ...files('test/integration')])],
  { cwd: root, stdio: 'inherit', reject: false, env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } },
);
process.exit(run.exitCode ?? 1);
