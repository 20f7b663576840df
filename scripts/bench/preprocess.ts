/**
 * The pre-processing benchmark, with RELION's CPU motion correction (the engine that runs here): the same
 * synthetic movies corrected by running the engine directly, one after another, and through preprocessMovie
 * workflows on a real dev server: one at a time (the scheduling overhead per job, with idle slots), then with
 * every CPU slot busy (throughput).
 *
 * BENCH_MOVIES (default 12), BENCH_FRAME_SIZE (default 384, 16 frames), BENCH_DIR (default var/bench).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { execa } from 'execa';
import type { RowDataPacket } from 'mysql2/promise';
import { findImagingRows } from '../../src/leginondb.js';
import { createDatabase, ensureMariaDb } from '../../src/mariadb.js';
import { deriveImagingParameters } from '../../src/preprocess/imaging.js';
import { preprocessTaskQueue, PREPROCESS_WORKFLOW_TYPE, WORKFLOW_TASK_QUEUE } from '../../src/operatorNames.js';
import type { PreprocessMovieInput, PreprocessSummary } from '../../src/preprocess/job.js';
import { buildRelionMotionArgs } from '../../src/preprocess/relion.js';
import { ensureRelionInstalled } from '../../src/debianPackages.js';
import { makeDriftMovie } from '../../src/simulator/driftMovie.js';
import { prepareSimulatedFacility } from '../../src/simulator/facility.js';
import { SIMULATED_SPECIMEN_OPTICS } from '../../src/simulator/microscope.js';
import { encodeTiffStack } from '../../src/simulator/tiff.js';
import { freePort, startDevServer } from '../../src/temporalDevServer.js';
import { startRoles } from '../../workers/roles.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(process.env.BENCH_DIR ?? path.join(root, 'var', 'bench'), 'preprocess');
const movies = Number(process.env.BENCH_MOVIES ?? 12);
const size = Number(process.env.BENCH_FRAME_SIZE ?? 384);
const server = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/';

rmSync(dir, { recursive: true, force: true });
mkdirSync(path.join(dir, 'movies'), { recursive: true });
const relion = await ensureRelionInstalled();
await ensureMariaDb(server);
const leginondbUrl = new URL('cryo_buffer_bench_leginondb', server).toString();
const bufferdbUrl = new URL('cryo_buffer_bench', server).toString();
await createDatabase(bufferdbUrl, { dropFirst: true });
const temporal = await startDevServer({
  port: await freePort(),
  dbFile: path.join(dir, 'temporal', 'dev.db'),
  logFile: path.join(dir, 'temporal', 'dev.log'),
  namespace: 'default',
  retentionMs: 86_400_000,
});

async function setUp(cpuSlots: number) {
  const facility = await prepareSimulatedFacility({
    baseDir: path.join(dir, `facility-${cpuSlots}`),
    leginondbUrl,
    freshDatabase: true,
    overrides: {
      temporal: { address: temporal.address },
      bufferdb: { url: bufferdbUrl },
      preprocess: { cpuSlots, motionCorrection: { engine: 'relion', patches: [1, 1] } },
    },
  });
  const jobs: PreprocessMovieInput[] = [];
  for (let i = 1; i <= movies; i++) {
    const name = `bench_${cpuSlots}_${String(i).padStart(3, '0')}`;
    const movie = makeDriftMovie({ width: size, height: size, frames: 16, drift: { x: 0.5, y: -0.3 }, electronsPerPixel: 2, optics: SIMULATED_SPECIMEN_OPTICS, seed: i });
    const moviePath = path.join(dir, 'movies', `${name}.frames.tif`);
    await writeFile(moviePath, encodeTiffStack({ width: size, height: size, frames: movie.frames }));
    await facility.microscope.recordImage(`frames_${name}`, name, { frames: 16 });
    const [rows] = await facility.db.query<RowDataPacket[]>('SELECT `DEF_id` AS id FROM `AcquisitionImageData` WHERE `filename` = ?', [name]);
    jobs.push({
      movieWorkflowId: `bench:${name}`,
      run: 1,
      bufferHost: facility.config.bufferHosts[0]!.name,
      session: facility.sessionName,
      imageId: Number(rows[0]!.id),
      imageFilename: name,
      moviePath,
      format: 'tif',
      motionEngine: 'relion',
      ctfEngine: 'none',
      timeoutMs: 600_000,
      heartbeatTimeoutMs: 30_000,
    });
  }
  return { facility, jobs };
}

const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

// 1. The engine alone, one movie after another, with the command line the activity builds.
const direct = await setUp(1);
const directStart = process.hrtime.bigint();
for (const job of direct.jobs) {
  const imaging = deriveImagingParameters((await findImagingRows(direct.facility.db, job.imageId))!);
  const outputDir = path.join(dir, 'direct', job.imageFilename);
  mkdirSync(outputDir, { recursive: true });
  const run = buildRelionMotionArgs(
    { moviePath: job.moviePath, format: 'tif', outputDir, outputStem: job.imageFilename, imaging },
    { patches: [1, 1], bfactor: 500, threads: 1, eerGrouping: 40, extraArgs: [] },
  );
  await execa(relion, run.args, { cwd: run.cwd });
}
const directSeconds = seconds(directStart);
await direct.facility.db.end();

// 2. and 3. Through preprocessMovie workflows: one at a time (1 slot), then all at once (every CPU a slot).
async function throughWorkflows(cpuSlots: number, oneAtATime: boolean) {
  const { facility, jobs } = await setUp(cpuSlots);
  const roles = await startRoles(facility.config, { roles: ['workflows', 'preprocess'] });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const started = process.hrtime.bigint();
  const run = (job: PreprocessMovieInput) =>
    client.workflow.execute<(input: PreprocessMovieInput) => Promise<PreprocessSummary>>(PREPROCESS_WORKFLOW_TYPE, {
      taskQueue: WORKFLOW_TASK_QUEUE,
      workflowId: `${job.movieWorkflowId}:${cpuSlots}:${oneAtATime}`,
      args: [job],
    });
  const summaries: PreprocessSummary[] = [];
  if (oneAtATime) for (const job of jobs) summaries.push(await run(job));
  else summaries.push(...(await Promise.all(jobs.map(run))));
  const wall = seconds(started);
  const failed = summaries.filter((s) => s.state !== 'done');
  if (failed.length) throw new Error(`${failed.length} benchmark runs failed: ${failed[0]!.error}`);
  // Queue wait: from the activity's scheduling to a worker starting it, read from each run's history.
  const waits: number[] = [];
  for (const job of jobs) {
    const history = await client.workflow.getHandle(`${job.movieWorkflowId}:${cpuSlots}:${oneAtATime}`).fetchHistory();
    type HistoryEvent = NonNullable<typeof history.events>[number];
    const time = (matches: (event: HistoryEvent) => unknown) => {
      const t = history.events?.find(matches)?.eventTime;
      return t ? Number(t.seconds) * 1000 + Math.round(Number(t.nanos ?? 0) / 1e6) : NaN;
    };
    waits.push(time((e) => e.activityTaskStartedEventAttributes) - time((e) => e.activityTaskScheduledEventAttributes));
  }
  await connection.close();
  await roles.stop();
  await facility.db.end();
  return { wall, engineSeconds: summaries.reduce((sum, s) => sum + (s.motion?.seconds ?? 0), 0), waits };
}

const sequential = await throughWorkflows(1, true);
const parallel = await throughWorkflows(os.cpus().length, false);
await temporal.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perMinute = (wall: number) => (movies / wall) * 60;
console.log(`\npre-processing of ${movies} movies (${size} x ${size} x 16 TIFF), RELION's CPU motion correction (${preprocessTaskQueue('cpu', 'buffer1')})`);
console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}\n`);
console.log(`${'contender'.padEnd(46)}${'wall s'.padStart(8)}${'movies/min'.padStart(12)}${'vs direct'.padStart(11)}`);
for (const [name, wall] of [
  ['relion_run_motioncorr directly, one by one', directSeconds],
  ['preprocessMovie workflows, one at a time', sequential.wall],
  [`preprocessMovie workflows, ${os.cpus().length} CPU slots`, parallel.wall],
] as const) {
  console.log(`${name.padEnd(46)}${wall.toFixed(2).padStart(8)}${perMinute(wall).toFixed(1).padStart(12)}${(directSeconds / wall).toFixed(2).padStart(10)}x`);
}
const overheadMs = ((sequential.wall - directSeconds) / movies) * 1000;
console.log(
  `\nscheduling overhead per job (one at a time, idle slot): ${overheadMs.toFixed(0)} ms wall per movie over running the engine directly;` +
    ` queue wait (scheduled -> started) median ${median(sequential.waits)} ms, max ${Math.max(...sequential.waits)} ms`,
);
