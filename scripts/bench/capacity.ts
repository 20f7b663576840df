/**
 * The capacity benchmark (`npm run bench -- capacity`, i.e. BENCH=capacity): the embedded dev server (SQLite) and
 * the self-hosted server on PostgreSQL side by side, each with the real workers and a simulated microscope
 * writing tiny movies:
 *   1. end-to-end time per movie (start -> archived) at rising start rates, until the median doubles;
 *   2. CAPACITY_OPEN (default 2000) ingestMovie workflows asleep on their expiry timers: server and worker RSS,
 *      server CPU while idle, database size, `MovieStage='archiving'` list latency;
 *   3. the time for all of them to expire when told to at once (expireEarly: re-verify archive, delete buffer copy);
 *   and worker and server RSS at each fifth of the fill, to show whether memory stays flat as open workflows grow.
 * CAPACITY_RATES (default 2,5,10,20,40 movies/s, 10 s each), CAPACITY_BACKENDS (default dev,postgres),
 * CAPACITY_IN_FLIGHT (default 200: the fill keeps at most this many movies started but not yet archived).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ingestRequest } from '../../src/ingestRequest.js';
import { ensureMariaDb } from '../../src/mariadb.js';
import type { MovieStatus } from '../../src/movie.js';
import { INGEST_WORKFLOW_TYPE, QUERIES, SIGNALS } from '../../src/operatorNames.js';
import { prepareSimulatedFacility } from '../../src/simulator/facility.js';
import { connectClient } from '../../src/temporal.js';
import { startCluster, stopCluster } from '../../src/temporalCluster.js';
import { ensureTemporalCli, freePort, isPortOpen, startDevServer } from '../../src/temporalDevServer.js';
import { movieListQuery } from '../../src/visibilityQuery.js';
import { startRoles } from '../../workers/roles.js';

const OPEN = Number(process.env.CAPACITY_OPEN ?? 2000);
const RATES = (process.env.CAPACITY_RATES ?? '2,5,10,20,40').split(',').map(Number);
const BACKENDS = (process.env.CAPACITY_BACKENDS ?? 'dev,postgres').split(',');
/** Movies started but not yet archived during the fill: below the worker's workflow cache (500). */
const IN_FLIGHT = Number(process.env.CAPACITY_IN_FLIGHT ?? 200);
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

/** A frontend port whose +1..+106 neighbours are free too, below the cluster's 32767 limit. */
async function freeClusterPort(): Promise<number> {
  for (let port = 17_233; port < 32_000; port += 200) {
    if (!(await isPortOpen(port)) && !(await isPortOpen(port + 100))) return port;
  }
  throw new Error('no free port range for the benchmark cluster');
}

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
    const growth: { open: number; workerRssMiB: number; serverRssMiB: number }[] = [];
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
    await sleep(10_000);
    const cpuBefore = cpuSeconds(server.pid);
    await sleep(30_000);
    const idleCpu = (cpuSeconds(server.pid) - cpuBefore) / 30;
    const listStart = Date.now();
    await execa(cli, ['workflow', 'list', '--address', server.address, '--query', "MovieStage='archiving'", '--limit', '100']);
    const listMs = Date.now() - listStart;
    const open = { serverRssMiB: rssMiB(server.pid), workerRssMiB: process.memoryUsage().rss / 1024 ** 2, idleCpu, databaseMiB: (await server.databaseBytes()) / 1024 ** 2, listMs };
    // 3. All expire at once.
    const expireBegin = Date.now();
    const ids = started.map((s) => s.id);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((id) => client.workflow.getHandle(id).signal(SIGNALS.expireEarly, { reason: 'capacity benchmark', by: 'bench' })));
    }
    for (const id of ids) await client.workflow.getHandle(id).result();
    const expireS = (Date.now() - expireBegin) / 1000;
    return { kind, rates, fillRate, open, growth, expireS, movies: ids.length };
  } finally {
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
row('fill rate (movies/s, start to archived)', (r) => r.fillRate.toFixed(1));
row(`open workflows asleep`, (r) => String(r.movies));
row('server RSS (MiB)', (r) => r.open.serverRssMiB.toFixed(0));
row('worker RSS (MiB, all roles)', (r) => r.open.workerRssMiB.toFixed(0));
row('server CPU while idle (cores)', (r) => r.open.idleCpu.toFixed(3));
row('database size (MiB)', (r) => r.open.databaseMiB.toFixed(0));
row("list MovieStage='archiving' (ms)", (r) => String(r.open.listMs));
row('all expire at once (s)', (r) => r.expireS.toFixed(1));
for (let i = 0; i < Math.max(...results.map((r) => r.growth.length)); i++) {
  row(`worker / server RSS at ${results[0]!.growth[i]?.open ?? '?'} open (MiB)`, (r) => {
    const point = r.growth[i];
    return point ? `${point.workerRssMiB.toFixed(0)} / ${point.serverRssMiB.toFixed(0)}` : '-';
  });
}
