/**
 * Chaos scenarios: each runs a simulated facility on a real dev server, real MariaDB, real worker processes and
 * real files, injects faults, waits for every movie to settle, then checks the invariants. Sizes are parameters
 * so CI runs a short form and `npm run chaos` a longer one.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fingerprintFile } from '../../src/copy.js';
import { movieWorkflowId, QUERIES, storageHealthWorkflowId } from '../../src/operatorNames.js';
import type { TargetHealth } from '../../src/storageHealth.js';
import { startRoles } from '../../workers/roles.js';
import { createHarness, waitForStage, type Harness } from '../helpers/harness.js';
import { spawnWorkerProcess } from '../helpers/workerProcess.js';
import { checkInvariants, type TrackedMovie } from './invariants.js';

export interface ScenarioResult {
  scenario: string;
  movies: number;
  faults: number;
  violations: string[];
  recoverySeconds: number;
  notes: string;
}

export interface ChaosSize {
  movies: number;
  movieBytes: number;
  /** SIGKILLs of the worker process. */
  kills: number;
  /** How long the archive stays down. */
  outageMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function acquireTracked(h: Harness, count: number, bytes: number): Promise<TrackedMovie[]> {
  const movies: TrackedMovie[] = [];
  for (let i = 0; i < count; i++) {
    const movie = await h.microscope.acquire({ bytes });
    movies.push({ framesName: movie.framesName, cameraFile: movie.cameraFile, source: await fingerprintFile(movie.cameraFile) });
  }
  return movies;
}

async function settle(h: Harness, movies: TrackedMovie[], timeoutMs: number): Promise<void> {
  for (const movie of movies) {
    await waitForStage(h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName)), ['archived', 'expired', 'parked'], timeoutMs);
  }
}

type Run = Omit<ScenarioResult, 'violations'> & { movieList: TrackedMovie[]; violations?: string[] };

/** Runs a scenario on a fresh facility; the invariants are checked while its workers still run (status queries). */
async function withHarness(name: string, overrides: Record<string, unknown>, run: (h: Harness, check: (r: Run) => Promise<ScenarioResult>) => Promise<ScenarioResult>): Promise<ScenarioResult> {
  const h = await createHarness(name, { expiry: { after: '1h' }, activities: { heartbeatTimeout: '3s' }, ...overrides });
  const check = async ({ movieList, violations = [], ...result }: Run) => ({ ...result, violations: [...violations, ...(await checkInvariants(h, movieList))] });
  try {
    return await run(h, check);
  } finally {
    await h.stop();
  }
}

/** The buffer host's io and archive worker process is SIGKILLed at random moments and restarted each time. */
export async function workerKills(size: ChaosSize): Promise<ScenarioResult> {
  return withHarness('chaos_kills', {}, async (h, check) => {
    const roles = await startRoles(h.config, { roles: ['workflows', 'watcher'] });
    let worker = await spawnWorkerProcess(h.configFile, ['io', 'archive']);
    try {
      const movies = await acquireTracked(h, size.movies, size.movieBytes);
      for (let kill = 0; kill < size.kills; kill++) {
        await sleep(200 + Math.random() * 1300);
        await worker.kill('SIGKILL');
        worker = await spawnWorkerProcess(h.configFile, ['io', 'archive']);
      }
      const started = Date.now();
      await settle(h, movies, 120_000);
      const leftovers = readdirSync(h.dirs.buffer, { recursive: true }).filter((f) => String(f).endsWith('.partial'));
      return await check({
        scenario: 'worker SIGKILLed at random points, restarted',
        movies: movies.length,
        faults: size.kills,
        recoverySeconds: (Date.now() - started) / 1000,
        notes: `${leftovers.length} temporary files left`,
        movieList: movies,
      });
    } finally {
      await worker.kill('SIGKILL');
      await roles.stop();
    }
  });
}

/** The archive target unmounted (marker gone) for `outageMs`, movies arriving meanwhile, then back. */
export async function archiveOutage(size: ChaosSize): Promise<ScenarioResult> {
  const overrides = { archive: { markerFile: '.gpfs-mounted', health: { interval: '500ms', timeout: '2s' } } };
  return withHarness('chaos_outage', overrides, async (h, check) => {
    const marker = path.join(h.dirs.archive, '.gpfs-mounted');
    const roles = await startRoles(h.config, { roles: ['workflows', 'watcher', 'io', 'archive'] });
    try {
      const movies = await acquireTracked(h, size.movies, size.movieBytes);
      const written = () => (existsSync(h.sessionDirs.archive) ? readdirSync(h.sessionDirs.archive).filter((f) => f.endsWith('.tif')).length : 0);
      const health = () => h.client.workflow.getHandle(storageHealthWorkflowId('gpfs', 'buffer1')).query<TargetHealth>(QUERIES.health);
      await sleep(size.outageMs);
      const attemptsAgainstDeadTarget = written();
      const probes = (await health()).failedProbes;
      writeFileSync(marker, 'mounted\n');
      const back = Date.now();
      await settle(h, movies, 120_000);
      const drainSeconds = (Date.now() - back) / 1000;
      rmSync(marker);
      return await check({
        scenario: `archive target down ${size.outageMs / 1000} s, then back`,
        movies: movies.length,
        faults: 1,
        recoverySeconds: drainSeconds,
        notes: `${attemptsAgainstDeadTarget} copies attempted against the dead target, ${probes} probes; drained ${(movies.length / drainSeconds).toFixed(1)} movies/s`,
        movieList: movies,
        violations: attemptsAgainstDeadTarget ? [`${attemptsAgainstDeadTarget} movies were written to the unmounted archive`] : [],
      });
    } finally {
      await roles.stop();
    }
  });
}

/** The Temporal dev server killed mid-run and restarted on the same database file. */
export async function temporalRestart(size: ChaosSize): Promise<ScenarioResult> {
  return withHarness('chaos_temporal', {}, async (h, check) => {
    const roles = await startRoles(h.config, { roles: ['workflows', 'watcher', 'io', 'archive'] });
    try {
      const movies = await acquireTracked(h, size.movies, size.movieBytes);
      await h.temporal.stop();
      await sleep(1000);
      await h.restartTemporal();
      const started = Date.now();
      await settle(h, movies, 120_000);
      return await check({
        scenario: 'Temporal dev server killed and restarted',
        movies: movies.length,
        faults: 1,
        recoverySeconds: (Date.now() - started) / 1000,
        notes: 'history kept in its SQLite file',
        movieList: movies,
      });
    } finally {
      await roles.stop();
    }
  });
}

export const SCENARIOS = { workerKills, archiveOutage, temporalRestart };
