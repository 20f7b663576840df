/**
 * The capacity benchmark (`npm run bench -- capacity`, i.e. BENCH=capacity): the embedded dev server (SQLite) and
 * the self-hosted server on PostgreSQL side by side, each with the real workers and a simulated microscope
 * writing tiny movies:
 *   1. end-to-end time per movie (start -> archived) at rising start rates, until the median doubles;
 *   2. CAPACITY_OPEN (default 2000) ingestMovie workflows asleep on their expiry timers: server and worker RSS,
 *      server CPU while idle, database size, `MovieStage='archiving'` list latency;
 *   3. the time for all of them to expire when told to at once (expireEarly: re-verify archive, delete buffer copy);
 *   and worker and server RSS at each fifth of the fill, to show whether memory stays flat as open workflows grow.
 * With CAPACITY_SYNTHETIC=N, N light synthetic movies (scripts/bench/synthetic/workflows.ts: same type, id scheme,
 * search attributes and timer, 5 events instead of ~55) join the real ones before the measurements of step 2, so
 * a facility's steady state (100k-340k open) is reached in a session's time; step 2 then adds the queries a
 * buffer host makes at that size (the dashboard's overview, capacity's list of archived movies) and the time to
 * place and lift a `--all` hold. Database bytes are read after the real fill (per real movie), after the
 * synthetic one (per synthetic movie) and after the real ones have expired (closed, kept for the retention).
 * CAPACITY_RATES (default 2,5,10,20,40 movies/s, 10 s each), CAPACITY_BACKENDS (default dev,postgres),
 * CAPACITY_IN_FLIGHT (default 200: the fill keeps at most this many movies started but not yet archived).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { execa } from 'execa';
import { oldestArchivedMovies } from '../../src/bufferInventory.js';
import { oldestFirstWindows } from '../../src/capacity.js';
import { gatherHostOverview } from '../../src/hostOverview.js';
import { ingestRequest } from '../../src/ingestRequest.js';
import { ensureMariaDb } from '../../src/mariadb.js';
import type { MovieStatus } from '../../src/movie.js';
import { changeScopeHold } from '../../src/operatorActions.js';
import { INGEST_WORKFLOW_TYPE, movieWorkflowId, QUERIES, SEARCH_ATTRIBUTES, SIGNALS } from '../../src/operatorNames.js';
import { prepareSimulatedFacility } from '../../src/simulator/facility.js';
import { connectClient } from '../../src/temporal.js';
import { freeClusterPort, startCluster, stopCluster } from '../../src/temporalCluster.js';
import { ensureTemporalCli, freePort, startDevServer } from '../../src/temporalDevServer.js';
import { movieListQuery } from '../../src/visibilityQuery.js';
import { startRoles } from '../../workers/roles.js';

const OPEN = Number(process.env.CAPACITY_OPEN ?? 2000);
const RATES = (process.env.CAPACITY_RATES ?? '2,5,10,20,40').split(',').map(Number);
const BACKENDS = (process.env.CAPACITY_BACKENDS ?? 'dev,postgres').split(',');
/** Movies started but not yet archived during the fill: below the worker's workflow cache (500). */
const IN_FLIGHT = Number(process.env.CAPACITY_IN_FLIGHT ?? 200);
const SYNTHETIC = Number(process.env.CAPACITY_SYNTHETIC ?? 0);
const SYNTHETIC_TASK_QUEUE = 'capacity-bench-synthetic';
const SYNTHETIC_WORKFLOWS = fileURLToPath(new URL('./synthetic/workflows.ts', import.meta.url));
const MARIADB = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)] ?? NaN;

interface Server {
  address: string;
  pid: number;
  databaseBytes: () => Promise<number>;
  stop: () => Promise<void>;
}

async function pidListeningOn(port: number): Promise<number> {
  const { stdout } = await execa('ss', ['-Hltnp', `sport = :${port}`]);
  return Number(/pid=(\d+)/.exec(stdout)?.[1]);
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
/** CPU seconds (user + system) the process has used. */
const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function startServer(kind: string, dir: string): Promise<Server> {
  if (kind === 'dev') {
    const port = await freePort();
    const dbFile = path.join(dir, 'dev.db');
    const server = await startDevServer({ port, dbFile, logFile: path.join(dir, 'dev.log'), namespace: 'default', retentionMs: 86_400_000 });
    const size = (file: string) => statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    return { address: server.address, pid: await pidListeningOn(port), databaseBytes: async () => size(dbFile) + size(`${dbFile}-wal`), stop: server.stop };
  }
  const port = await freeClusterPort();
  const databases = { history: 'temporal_bench', visibility: 'temporal_bench_visibility' };
  const postgres = { host: '127.0.0.1', port: 5432, user: 'postgres', password: '' };
  const address = await startCluster({ stateDir: dir, frontendPort: port, namespace: 'default', retentionMs: 86_400_000, postgres, databases, fresh: true });
  const databaseBytes = async () => {
    const query = `SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname IN ('${databases.history}', '${databases.visibility}')`;
    return Number((await execa('psql', ['-h', postgres.host, '-U', postgres.user, '-tAc', query])).stdout);
  };
  return { address, pid: await pidListeningOn(port), databaseBytes, stop: async () => void (await stopCluster(dir)) };
}

type Facility = Awaited<ReturnType<typeof prepareSimulatedFacility>>;
type Growth = { open: number; workerRssMiB: number; serverRssMiB: number }[];

/** Starts SYNTHETIC light movies (see the header), STARTS_IN_FLIGHT at a time, each asleep as an archived movie. */
async function fillSynthetic(server: Server, facility: Facility, workers: Worker[], growth: Growth, realCount: number) {
  const STARTS_IN_FLIGHT = 32;
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await Worker.create({ connection, taskQueue: SYNTHETIC_TASK_QUEUE, workflowsPath: SYNTHETIC_WORKFLOWS, maxCachedWorkflows: 100 });
  workers.push(worker);
  void worker.run();
  const client = await connectClient(facility.config);
  const camera = facility.config.cameras[0]!;
  const bufferHost = facility.config.bufferHosts[0]!.name;
  const checkpoint = Math.max(1, Math.round(SYNTHETIC / 5));
  const begin = Date.now();
  let next = 0;
  const starter = async () => {
    for (let n = next++; n < SYNTHETIC; n = next++) {
      await client.workflow.start(INGEST_WORKFLOW_TYPE, {
        workflowId: movieWorkflowId(camera.host, `synthetic_${String(n).padStart(7, '0')}`),
        taskQueue: SYNTHETIC_TASK_QUEUE,
        args: [30 * 86_400_000],
        typedSearchAttributes: [
          { key: SEARCH_ATTRIBUTES.movieStage, value: 'archived' },
          { key: SEARCH_ATTRIBUTES.cameraHost, value: camera.host },
          { key: SEARCH_ATTRIBUTES.bufferHost, value: bufferHost },
          { key: SEARCH_ATTRIBUTES.leginonSession, value: facility.sessionName },
          { key: SEARCH_ATTRIBUTES.movieBytes, value: 1024 },
        ],
      });
      if ((n + 1) % checkpoint === 0) growth.push({ open: realCount + n + 1, workerRssMiB: process.memoryUsage().rss / 1024 ** 2, serverRssMiB: rssMiB(server.pid) });
    }
  };
  await Promise.all(Array.from({ length: STARTS_IN_FLIGHT }, starter));
  // Started is not yet asleep: wait until the worker has been idle for 3 s (every first workflow task run, timer set).
  for (let idleSince = Date.now(); Date.now() - idleSince < 3000; await sleep(250)) {
    if (worker.getStatus().numInFlightWorkflowActivations > 0) idleSince = Date.now();
  }
  const startRate = SYNTHETIC / ((Date.now() - begin) / 1000);
  console.log(`  synthetic: ${SYNTHETIC} started at ${startRate.toFixed(0)}/s`);
  return { count: SYNTHETIC, startRate };
}

async function runBackend(kind: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `cryo-buffer-capacity-${kind}-`));
  const server = await startServer(kind, dir);
  const leginondbUrl = new URL(`cryo_buffer_capacity_${kind}`, MARIADB).toString();
  const facility = await prepareSimulatedFacility({
    baseDir: dir,
    leginondbUrl,
    freshDatabase: true,
    overrides: { temporal: { address: server.address }, expiry: { after: '30d' }, capacity: { reserveGiB: 0 }, leginon: { grace: '1m', lookupInterval: '500ms' } },
  });
  const roles = await startRoles(facility.config, { roles: ['workflows', 'io', 'archive'] });
  const client = await connectClient(facility.config);
  const cli = await ensureTemporalCli(() => undefined);
  const started: { id: string; at: number }[] = [];
  const synthetics: Worker[] = [];
  const submit = async () => {
    const movie = await facility.microscope.acquire({ bytes: 1024 });
    const request = ingestRequest(facility.config, facility.config.cameras[0]!, path.basename(movie.cameraFile))!;
    started.push({ id: request.workflowId, at: Date.now() });
    await client.workflow.start(INGEST_WORKFLOW_TYPE, request);
    return request.workflowId;
  };
  const archivedAt = async (id: string) => {
    for (;;) {
      const status = await client.workflow.getHandle(id).query<MovieStatus>(QUERIES.status);
      if (status.stageTimes.archived) return Date.parse(status.stageTimes.archived);
      await sleep(250);
    }
  };
  const databaseBytesEmpty = await server.databaseBytes();
  try {
    // 1. Latency at rising start rates.
    const rates: { rate: number; medianS: number; p95S: number }[] = [];
    for (const rate of RATES) {
      const ids: string[] = [];
      const begin = Date.now();
      for (let i = 0; i < rate * 10; i++) {
        const due = begin + (i * 1000) / rate;
        if (due > Date.now()) await sleep(due - Date.now());
        ids.push(await submit());
      }
      const latencies = await Promise.all(ids.map(async (id) => ((await archivedAt(id)) - started.find((s) => s.id === id)!.at) / 1000));
      rates.push({ rate, medianS: median(latencies), p95S: p95(latencies) });
      console.log(`  ${kind}: ${rate}/s -> median ${median(latencies).toFixed(2)} s, p95 ${p95(latencies).toFixed(2)} s`);
      if (median(latencies) > 2 * rates[0]!.medianS) break;
    }
    // 2. Fill up to OPEN sleeping movies at the highest rate that kept latency in bounds.
    const fillBegin = Date.now();
    const fill: string[] = [];
    // Memory as open workflows grow: flat if the worker's workflow cache (maxCachedWorkflows) bounds it.
    const growth: Growth = [];
    const checkpoint = Math.max(1, Math.round(OPEN / 5));
    const archivedCount = async () => (await client.workflow.count(movieListQuery({ stage: 'archived' }))).count;
    let archived = await archivedCount();
    while (started.length < OPEN) {
      // A microscope cannot outrun the pipeline for long; an unbounded burst of starts measures cache thrash instead.
      while (started.length - archived >= IN_FLIGHT) {
        await sleep(500);
        archived = await archivedCount();
      }
      fill.push(await submit());
      if (started.length % checkpoint === 0) growth.push({ open: started.length, workerRssMiB: process.memoryUsage().rss / 1024 ** 2, serverRssMiB: rssMiB(server.pid) });
    }
    for (const id of fill) await archivedAt(id);
    const fillRate = fill.length / ((Date.now() - fillBegin) / 1000);
    const databaseBytesReal = await server.databaseBytes();
    const synthetic = SYNTHETIC > 0 ? await fillSynthetic(server, facility, synthetics, growth, started.length) : undefined;
    const databaseBytesAll = await server.databaseBytes();
    await sleep(10_000);
    const cpuBefore = cpuSeconds(server.pid);
    await sleep(30_000);
    const idleCpu = (cpuSeconds(server.pid) - cpuBefore) / 30;
    const timed = async (work: () => Promise<unknown>) => {
      const begin = Date.now();
      await work();
      return Date.now() - begin;
    };
    const bufferHost = facility.config.bufferHosts[0]!;
    const queries = {
      listMs: await timed(() => execa(cli, ['workflow', 'list', '--address', server.address, '--query', "MovieStage='archiving'", '--limit', '100'])),
      countMs: await timed(() => client.workflow.count(movieListQuery({ open: true }))),
      overviewMs: await timed(() => gatherHostOverview(client, facility.config, bufferHost.name, bufferHost.root)),
      // What the capacity check read before it went window by window: every archived movie of the host.
      archivedListMs: await timed(async () => {
        for await (const movie of client.workflow.list({ query: movieListQuery({ bufferHost: bufferHost.name, stage: 'archived', open: true }) })) void movie;
      }),
      // What it reads now to free a tenth of the buffer: the oldest movies, window by window. The bench's movies
      // all started since the fill began, as a facility's started within one expiry period: that is the period here.
      oldestTenthMs: await timed(async () => {
        const windows = oldestFirstWindows(new Date(), Date.now() - fillBegin);
        await oldestArchivedMovies(client, bufferHost.name, windows, { bytes: ((started.length + SYNTHETIC) * 1024) / 10 });
      }),
      holdAllMs: await timed(() => changeScopeHold(client, 'hold', 'all', { reason: 'capacity benchmark', by: 'bench' })),
      releaseAllMs: await timed(() => changeScopeHold(client, 'release', 'all', { reason: 'capacity benchmark', by: 'bench' })),
    };
    const open = { serverRssMiB: rssMiB(server.pid), workerRssMiB: process.memoryUsage().rss / 1024 ** 2, idleCpu, ...queries };
    // 3. All real movies expire at once (the synthetic ones keep sleeping, as the rest of a facility's would).
    const expireBegin = Date.now();
    const ids = started.map((s) => s.id);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((id) => client.workflow.getHandle(id).signal(SIGNALS.expireEarly, { reason: 'capacity benchmark', by: 'bench' })));
    }
    for (const id of ids) await client.workflow.getHandle(id).result();
    const expireS = (Date.now() - expireBegin) / 1000;
    const databaseBytesClosed = await server.databaseBytes();
    const database = {
      mib: databaseBytesAll / 1024 ** 2,
      perRealKiB: (databaseBytesReal - databaseBytesEmpty) / ids.length / 1024,
      perSyntheticKiB: synthetic ? (databaseBytesAll - databaseBytesReal) / synthetic.count / 1024 : NaN,
      closedGrowthKiB: (databaseBytesClosed - databaseBytesAll) / ids.length / 1024,
    };
    return { kind, rates, fillRate, synthetic, open, database, growth, expireS, movies: ids.length, openMovies: ids.length + (synthetic?.count ?? 0) };
  } finally {
    await Promise.all(synthetics.map((worker) => worker.shutdown()));
    await roles.stop();
    await facility.db.end();
    await server.stop();
    if (!process.env.KEEP_BENCH_DIRS) rmSync(dir, { recursive: true, force: true });
  }
}

await ensureMariaDb(MARIADB);
const results: Awaited<ReturnType<typeof runBackend>>[] = [];
for (const kind of BACKENDS) {
  console.log(`capacity: ${kind} ...`);
  results.push(await runBackend(kind));
  console.log(`  ${kind}: ${JSON.stringify(results.at(-1))}`);
}
const cell = (text: string | number) => String(text).padStart(22);
console.log(`\n${''.padEnd(44)}${results.map((r) => cell(r.kind === 'dev' ? 'dev server (SQLite)' : 'PostgreSQL server')).join('')}`);
const row = (label: string, value: (r: (typeof results)[number]) => string) => console.log(`${label.padEnd(44)}${results.map((r) => cell(value(r))).join('')}`);
for (const rate of RATES) {
  row(`start ${rate}/s: median / p95 start->archived`, (r) => {
    const found = r.rates.find((x) => x.rate === rate);
    return found ? `${found.medianS.toFixed(2)} / ${found.p95S.toFixed(2)} s` : '-';
  });
}
row('fill rate (real movies/s, start to archived)', (r) => r.fillRate.toFixed(1));
row('synthetic movies started (per s)', (r) => (r.synthetic ? `${r.synthetic.count} (${r.synthetic.startRate.toFixed(0)}/s)` : '-'));
row('open workflows asleep (real + synthetic)', (r) => `${r.openMovies} (${r.movies} real)`);
row('server RSS (MiB)', (r) => r.open.serverRssMiB.toFixed(0));
row('worker RSS (MiB, all roles)', (r) => r.open.workerRssMiB.toFixed(0));
row('server CPU while idle (cores)', (r) => r.open.idleCpu.toFixed(3));
row('database size, all open (MiB)', (r) => r.database.mib.toFixed(0));
row('database per real / synthetic movie (KiB)', (r) => `${r.database.perRealKiB.toFixed(0)} / ${r.database.perSyntheticKiB.toFixed(1)}`);
row('database growth per real movie closed (KiB)', (r) => r.database.closedGrowthKiB.toFixed(0));
row("list MovieStage='archiving', CLI (ms)", (r) => String(r.open.listMs));
row('count open movies (ms)', (r) => String(r.open.countMs));
row("host overview, dashboard's (ms)", (r) => String(r.open.overviewMs));
row('list every archived movie (ms)', (r) => String(r.open.archivedListMs));
row("the oldest tenth, capacity's windows (ms)", (r) => String(r.open.oldestTenthMs));
row('hold --all / release --all (ms)', (r) => `${r.open.holdAllMs} / ${r.open.releaseAllMs}`);
row('real movies expiring at once (s)', (r) => r.expireS.toFixed(1));
for (let i = 0; i < Math.max(...results.map((r) => r.growth.length)); i++) {
  row(`worker / server RSS at ${results[0]!.growth[i]?.open ?? '?'} open (MiB)`, (r) => {
    const point = r.growth[i];
    return point ? `${point.workerRssMiB.toFixed(0)} / ${point.serverRssMiB.toFixed(0)}` : '-';
  });
}
