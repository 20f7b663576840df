/**
 * Chaos scenarios: each runs a simulated facility on a real dev server, real MariaDB, real worker processes and
 * real files, injects faults, waits for every movie to settle, then checks the invariants. Sizes are parameters
 * so CI runs a short form and `npm run chaos` a longer one.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { fingerprintFile } from '../../src/copy.js';
import { ingestRequest } from '../../src/ingestRequest.js';
import { INGEST_WORKFLOW_TYPE, movieWorkflowId, QUERIES, SIGNALS, storageHealthWorkflowId, type MovieStage } from '../../src/operatorNames.js';
import type { TargetHealth } from '../../src/storageHealth.js';
import { writeGrowingFile } from '../../src/simulator/microscope.js';
import { startRoles } from '../../workers/roles.js';
import { createHarness, makeHarnessDir, movieStatus, waitForStage, waitUntil, type Harness, type HarnessOptions } from '../helpers/harness.js';
import { createPrivateMariaDb } from '../helpers/privateMariaDb.js';
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
    // Leginon has recorded the exposure before the next one (and before any fault the scenario injects next).
    await movie.rowsInserted;
    movies.push({ framesName: movie.framesName, cameraFile: movie.cameraFile, source: await fingerprintFile(movie.cameraFile) });
  }
  return movies;
}

const movieHandle = (h: Harness, movie: TrackedMovie) => h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));

async function settle(h: Harness, movies: TrackedMovie[], timeoutMs: number, stages: MovieStage[] = ['archived', 'expired', 'parked']): Promise<void> {
  for (const movie of movies) await waitForStage(movieHandle(h, movie), stages, timeoutMs);
}

const stageOf = (h: Harness, movie: TrackedMovie) => movieStatus(movieHandle(h, movie)).then((s) => s.stage as string, () => 'not started');

/** The stages movies were in at a fault, counted (a stage-by-stage picture of where the faults hit). */
async function stagesNow(h: Harness, movies: TrackedMovie[], tally: Map<string, number>): Promise<void> {
  for (const movie of movies) {
    const stage = await stageOf(h, movie);
    tally.set(stage, (tally.get(stage) ?? 0) + 1);
  }
}

type Run = Omit<ScenarioResult, 'violations'> & { movieList: TrackedMovie[]; violations?: string[] };

/** Runs a scenario on a fresh facility; the invariants are checked while its workers still run (status queries). */
async function withHarness(
  name: string,
  overrides: Record<string, unknown>,
  run: (h: Harness, check: (r: Run) => Promise<ScenarioResult>) => Promise<ScenarioResult>,
  options: HarnessOptions = {},
): Promise<ScenarioResult> {
  const h = await createHarness(name, { expiry: { after: '1h' }, activities: { heartbeatTimeout: '3s', maximumRetryInterval: '2s' }, ...overrides }, options);
  const check = async ({ movieList, violations = [], ...result }: Run) => ({ ...result, violations: [...violations, ...(await checkInvariants(h, movieList))] });
  try {
    return await run(h, check);
  } finally {
    await h.stop();
  }
}

/**
 * The buffer host's io and archive worker process is SIGKILLed at random moments and restarted each time; the
 * expiry is short, so the kills land in copies off the camera, archive copies and expiry deletes.
 */
export async function workerKills(size: ChaosSize): Promise<ScenarioResult> {
  return withHarness('chaos_kills', { expiry: { after: '3s' } }, async (h, check) => {
    const roles = await startRoles(h.config, { roles: ['workflows', 'watcher'] });
    let worker = await spawnWorkerProcess(h.configFile, ['io', 'archive']);
    try {
      // Movies arrive between the kills, so the kills find them at every stage.
      const movies: TrackedMovie[] = [];
      const hit = new Map<string, number>();
      for (let kill = 0; kill < size.kills; kill++) {
        if (movies.length < size.movies) movies.push(...(await acquireTracked(h, 1, size.movieBytes)));
        await sleep(200 + Math.random() * 1300);
        await stagesNow(h, movies, hit);
        await worker.kill('SIGKILL');
        worker = await spawnWorkerProcess(h.configFile, ['io', 'archive']);
      }
      movies.push(...(await acquireTracked(h, size.movies - movies.length, size.movieBytes)));
      const started = Date.now();
      await settle(h, movies, 120_000, ['expired', 'parked']);
      return await check({
        scenario: 'worker SIGKILLed at random points, restarted',
        movies: movies.length,
        faults: size.kills,
        recoverySeconds: (Date.now() - started) / 1000,
        notes: `movie-stages at the kills: ${[...hit].map(([stage, n]) => `${stage} ${n}`).join(', ')}`,
        movieList: movies,
      });
    } finally {
      await worker.kill('SIGKILL');
      await roles.stop();
    }
  });
}

/**
 * A history longer than this would mean an outage's length shows in it: a movie's history does not grow while it
 * waits, and the health workflow continues as new every 200 probes (about 11 events each).
 */
const HISTORY_BOUND = 2_500;

/**
 * The archive target unmounted (marker gone) for `outageMs`, movies arriving meanwhile, then back. Counts what
 * would grow with a longer outage: copies against the dead target, probes, each movie's attempts, history lengths.
 */
export async function archiveOutage(size: ChaosSize): Promise<ScenarioResult> {
  const overrides = { archive: { markerFile: '.gpfs-mounted', health: { interval: '500ms', timeout: '2s' } } };
  return withHarness('chaos_outage', overrides, async (h, check) => {
    const marker = path.join(h.dirs.archive, '.gpfs-mounted');
    rmSync(marker);
    const roles = await startRoles(h.config, { roles: ['workflows', 'watcher', 'io', 'archive'] });
    try {
      const movies = await acquireTracked(h, size.movies, size.movieBytes);
      const written = () => (existsSync(h.sessionDirs.archive) ? readdirSync(h.sessionDirs.archive).filter((f) => f.endsWith('.tif')).length : 0);
      const healthHandle = h.client.workflow.getHandle(storageHealthWorkflowId('gpfs', 'buffer1'));
      await sleep(size.outageMs);
      const attemptsAgainstDeadTarget = written();
      const probes = (await healthHandle.query<TargetHealth>(QUERIES.health)).failedProbes;
      writeFileSync(marker, 'mounted\n');
      const back = Date.now();
      await settle(h, movies, 120_000);
      const drainSeconds = (Date.now() - back) / 1000;
      rmSync(marker);
      const attempts = await Promise.all(movies.map(async (movie) => (await movieStatus(movieHandle(h, movie))).attempts.archiveMovie ?? 0));
      const historyLength = async (handle: ReturnType<typeof movieHandle>) => (await handle.fetchHistory()).events?.length ?? 0;
      const movieEvents = Math.max(...(await Promise.all(movies.map((movie) => historyLength(movieHandle(h, movie))))));
      const healthEvents = await historyLength(healthHandle);
      const longest = Math.max(movieEvents, healthEvents);
      return await check({
        scenario: `archive target down ${size.outageMs / 1000} s, then back`,
        movies: movies.length,
        faults: 1,
        recoverySeconds: drainSeconds,
        notes:
          `${attemptsAgainstDeadTarget} copies against the dead target, ${probes} probes, ${Math.max(...attempts)} archive attempt(s) per movie; ` +
          `histories: movie <= ${movieEvents} events, health run ${healthEvents}; drained ${(movies.length / drainSeconds).toFixed(1)} movies/s`,
        movieList: movies,
        violations: [
          ...(attemptsAgainstDeadTarget ? [`${attemptsAgainstDeadTarget} movies were written to the unmounted archive`] : []),
          ...(longest > HISTORY_BOUND ? [`a history grew to ${longest} events through the outage`] : []),
        ],
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

/**
 * leginondb (a MariaDB server of the scenario's own) stopped while movies wait for their Leginon names, kept down
 * for `outageMs`, then started again: no movie is set aside as unknown for want of a row it could not look up.
 */
export async function databaseOutage(size: ChaosSize): Promise<ScenarioResult> {
  const dir = makeHarnessDir('chaos_database');
  const mariadb = await createPrivateMariaDb(path.join(dir, 'mariadb'));
  try {
    return await withHarness(
      'chaos_database',
      {},
      async (h, check) => {
        const roles = await startRoles(h.config, { roles: ['workflows', 'watcher', 'io', 'archive'] });
        try {
          const before = await acquireTracked(h, Math.ceil(size.movies / 2), size.movieBytes);
          await mariadb.stop();
          await sleep(size.outageMs);
          const duringOutage = await Promise.all(before.map((movie) => stageOf(h, movie)));
          await mariadb.start();
          const back = Date.now();
          const after = await acquireTracked(h, size.movies - before.length, size.movieBytes);
          const movies = [...before, ...after];
          await settle(h, movies, 120_000);
          const parked = (await Promise.all(movies.map((movie) => movieStatus(movieHandle(h, movie))))).filter((s) => s.stage === 'parked');
          return await check({
            scenario: `leginondb stopped ${size.outageMs / 1000} s, then started`,
            movies: movies.length,
            faults: 1,
            recoverySeconds: (Date.now() - back) / 1000,
            notes: `during the outage: ${[...new Set(duringOutage)].join(', ')}; ${parked.length} parked`,
            movieList: movies,
            violations: parked.map((s) => `${s.camera.fileName} parked after the database came back: ${s.detail}`),
          });
        } finally {
          await roles.stop();
        }
      },
      { mariadbUrl: mariadb.url, dir },
    );
  } finally {
    await mariadb.stop();
  }
}

/**
 * The camera side misbehaving: movies still being written when first seen, a movie truncated and rewritten under
 * its name, and the camera share unmounted mid-run (an empty mount point) and mounted again.
 */
export async function cameraChurn(size: ChaosSize): Promise<ScenarioResult> {
  const dir = makeHarnessDir('chaos_camera');
  const cameraRoot = path.join(dir, 'camera', 'sim-k3');
  const marker = '.share-mounted';
  const cameras = [{ host: 'sim-k3', root: cameraRoot, bufferHost: 'buffer1', markerFile: marker }];
  return withHarness(
    'chaos_camera',
    { cameras },
    async (h, check) => {
      writeFileSync(path.join(cameraRoot, marker), '');
      const roles = await startRoles(h.config, { roles: ['workflows', 'watcher', 'io', 'archive'] });
      try {
        const track = async (movie: { framesName: string; cameraFile: string }) => ({ ...movie, source: await fingerprintFile(movie.cameraFile) });
        const growing = await h.microscope.acquire({ bytes: size.movieBytes, writeMs: 2000 }).then(track);
        const rewritten = await h.microscope.acquire({ bytes: size.movieBytes });
        // Rewritten within the watcher's quiet period, as a camera that restarts a failed save does.
        await writeGrowingFile(rewritten.cameraFile, size.movieBytes, 400, 999);
        const flowing = await acquireTracked(h, Math.max(1, size.movies - 2), size.movieBytes);
        const movies = [growing, await track(rewritten), ...flowing];
        await waitUntil(() => movieHandle(h, movies[0]!).describe(), 'the first movie to be taken', 30_000);
        // Unmounted: the mount point is there, empty; the share's files are out of sight, not gone.
        const away = `${cameraRoot}.unmounted`;
        renameSync(cameraRoot, away);
        mkdirSync(cameraRoot);
        await sleep(size.outageMs);
        const duringOutage = await Promise.all(movies.map((movie) => stageOf(h, movie)));
        rmSync(cameraRoot, { recursive: true });
        renameSync(away, cameraRoot);
        const back = Date.now();
        await settle(h, movies, 120_000);
        const final = await Promise.all(movies.map((movie) => movieStatus(movieHandle(h, movie))));
        const violations = [
          ...final.filter((s) => s.stage === 'parked').map((s) => `${s.camera.fileName} parked: ${s.detail}`),
          ...final.filter((s, i) => s.camera.freed && existsSync(movies[i]!.cameraFile)).map((s) => `${s.camera.fileName} reported freed but is still on the camera`),
          ...final.filter((s) => s.warnings.length).map((s) => `${s.camera.fileName}: ${s.warnings.join('; ')}`),
        ];
        return await check({
          scenario: 'camera: growing, rewritten, share unmounted',
          movies: movies.length,
          faults: 4,
          recoverySeconds: (Date.now() - back) / 1000,
          notes: `stages while unmounted: ${[...new Set(duringOutage)].join(', ')}`,
          movieList: movies,
          violations,
        });
      } finally {
        await roles.stop();
      }
    },
    { dir },
  );
}

/** Movies that waited on a full buffer so far: their copy's last failure says so (polled while they settle). */
async function watchFullBufferWaits(h: Harness, movies: TrackedMovie[], until: Promise<unknown>): Promise<Set<string>> {
  const waited = new Set<string>();
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    for (const movie of movies) {
      const description = await movieHandle(h, movie).describe().catch(() => undefined);
      if (description?.raw.pendingActivities?.some((a) => /full|filled up/.test(a.lastFailure?.message ?? ''))) waited.add(movie.framesName);
    }
    await sleep(300);
  }
  return waited;
}

/**
 * The buffer is a real, small file system (tmpfs, room for about two movies) with no reserve: copies off the
 * camera meet a truly full disk (ENOSPC) and wait, leaving no partial file, until expiry makes room.
 */
export async function diskFull(size: ChaosSize): Promise<ScenarioResult> {
  const dir = makeHarnessDir('chaos_diskfull');
  const buffer = path.join(dir, 'buffer');
  mkdirSync(buffer, { recursive: true });
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', `size=${Math.round(2.5 * size.movieBytes)}`, 'tmpfs', buffer], { reject: false });
  if (mounted.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { scenario: 'buffer disk full (tmpfs)', movies: 0, faults: 0, violations: [], recoverySeconds: 0, notes: `SKIPPED: cannot mount a tmpfs here (${mounted.stderr.trim()})` };
  }
  return withHarness(
    'chaos_diskfull',
    { expiry: { after: '2s' }, capacity: { reserveGiB: 0 } },
    async (h, check) => {
      const roles = await startRoles(h.config, { roles: ['workflows', 'watcher', 'io', 'archive'] });
      try {
        const started = Date.now();
        const movies = await acquireTracked(h, size.movies, size.movieBytes);
        const settled = settle(h, movies, 120_000, ['expired', 'parked']);
        const waited = await watchFullBufferWaits(h, movies, settled);
        await settled;
        return await check({
          scenario: 'buffer disk full (tmpfs for ~2 movies)',
          movies: movies.length,
          faults: waited.size,
          recoverySeconds: (Date.now() - started) / 1000,
          notes: `${waited.size} movies waited on the full buffer`,
          movieList: movies,
        });
      } finally {
        await roles.stop();
        await execa('umount', [buffer], { reject: false });
      }
    },
    { dir },
  );
}

/** Flips one bit in the middle of a file, in place (size and name unchanged), as a failing disk would. */
async function flipBit(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    const offset = Math.floor((await handle.stat()).size / 2);
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0]! ^= 0x10;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/**
 * Bit rot: a bit flipped in each buffer copy before it is archived (half the movies keep their camera file until
 * archived, half freed it once copied), then in each archive copy before expiry.
 */
export async function bitFlips(size: ChaosSize): Promise<ScenarioResult> {
  return withHarness('chaos_bitflips', {}, async (h, check) => {
    const roles = await startRoles(h.config, { roles: ['workflows', 'io', 'archive'] });
    try {
      const movies = await acquireTracked(h, size.movies, size.movieBytes);
      const handles = [];
      for (const [index, movie] of movies.entries()) {
        const request = ingestRequest(h.config, h.config.cameras[0]!, path.basename(movie.cameraFile))!;
        request.args[0].settings.freeCameraAfter = index % 2 === 0 ? 'archived' : 'copied';
        handles.push(
          await h.client.workflow.signalWithStart(INGEST_WORKFLOW_TYPE, { ...request, signal: SIGNALS.holdArchive, signalArgs: [{ reason: 'chaos: bit flip', by: 'chaos' }] }),
        );
      }
      for (const handle of handles) await flipBit((await waitForStage(handle, ['archive-held'], 60_000)).buffer!.path);
      const started = Date.now();
      for (const handle of handles) await handle.signal(SIGNALS.releaseArchive);
      const afterBufferFlips = await Promise.all(handles.map((handle) => waitForStage(handle, ['archived', 'parked'], 60_000)));
      const restored = afterBufferFlips.filter((s) => s.stage === 'archived');
      const parked = afterBufferFlips.filter((s) => s.stage === 'parked');
      for (const status of restored) await flipBit(status.archive!.path);
      for (const [index, handle] of handles.entries()) {
        if (afterBufferFlips[index]!.stage === 'archived') await handle.signal(SIGNALS.expireEarly, { reason: 'chaos: archive bit flip', by: 'chaos' });
      }
      const final = await Promise.all(handles.map((handle) => waitForStage(handle, ['expired', 'parked'], 60_000)));
      const setAside = final.filter((s) => s.warnings.some((w) => /kept as .*damaged-1/.test(w))).length;
      const expectations = [
        ...(restored.length === Math.ceil(movies.length / 2) ? [] : [`${restored.length} movies re-copied from the camera, expected ${Math.ceil(movies.length / 2)}`]),
        ...(parked.every((s) => /is damaged/.test(s.detail ?? '')) ? [] : ['a parked movie does not say its buffer copy is damaged']),
        ...(setAside === restored.length ? [] : [`${setAside} damaged archive copies set aside, expected ${restored.length}`]),
      ];
      return await check({
        scenario: 'bit flipped in buffer, then archive copies',
        movies: movies.length,
        faults: movies.length + restored.length,
        recoverySeconds: (Date.now() - started) / 1000,
        notes: `buffer flips: ${restored.length} re-copied from the camera, ${parked.length} parked (camera already freed); archive flips: ${setAside} set aside and re-archived`,
        movieList: movies,
        violations: expectations,
      });
    } finally {
      await roles.stop();
    }
  });
}

export const SCENARIOS = { workerKills, archiveOutage, temporalRestart, bitFlips, databaseOutage, diskFull, cameraChurn };
