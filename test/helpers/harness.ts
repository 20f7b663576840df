/**
 * Integration-test harness: a real Temporal dev server on a free port with its own SQLite file, a fresh
 * MariaDB database with Leginon's tables, folders for camera/buffer/GPFS, and a client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import mysql from 'mysql2/promise';
import { createDatabase, ensureMariaDb, serverUrl } from '../../src/mariadb.js';
import type { LeginonEra } from '../../src/simulator/leginonSchema.js';
import type { MovieStatus } from '../../src/movie.js';
import { QUERIES, type MovieStage } from '../../src/operatorNames.js';
import { prepareSimulatedFacility, type SimulatedFacility } from '../../src/simulator/facility.js';
import { freePort, startDevServer, type DevServer } from '../../src/temporalDevServer.js';

export { freePort };
import { startRoles, type Role, type RunningRoles } from '../../workers/roles.js';

/** Stand-ins for the licensed engines (MotionCor2, CTFFIND4, Gctf): they write the real output formats. */
export const STANDINS = path.resolve(import.meta.dirname, '../standins');

/** Pre-processing on GPU slots with the MotionCor2 and Gctf stand-ins: the `preprocess` config of most tests that need it. */
export const GPU_STANDIN_PREPROCESS = {
  motionCorrection: { engine: 'motioncor2', executable: path.join(STANDINS, 'motioncor2') },
  ctf: { engine: 'gctf', executable: path.join(STANDINS, 'gctf') },
};

export const TEST_MARIADB = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/';

/** Short durations so a whole movie life fits in seconds; every key is a real config key. */
export const FAST_SETTINGS = {
  watcher: { pollInterval: '200ms', stableFor: '600ms' },
  leginon: { grace: '3s', lookupInterval: '500ms' },
  expiry: { after: '2s' },
  archiveRetry: { initialInterval: '200ms', maximumInterval: '1s' },
  activities: { heartbeatTimeout: '4s', maximumRetryInterval: '2s', shutdownGrace: '2s' },
  // Tests must not depend on how full the machine's disk is; the buffer-full test sets its own.
  capacity: { reserveGiB: 0 },
};

export interface Harness extends SimulatedFacility {
  dir: string;
  temporal: DevServer;
  client: Client;
  /** Starts the dev server again on the same port and database file (after `temporal.stop()`). */
  restartTemporal(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTemporalForTest(dir: string, port?: number): Promise<DevServer> {
  return startDevServer({
    port: port ?? (await freePort()),
    dbFile: path.join(dir, 'temporal', 'dev.db'),
    logFile: path.join(dir, 'temporal', 'dev.log'),
    namespace: 'default',
    retentionMs: 86_400_000,
  });
}

export interface HarnessOptions {
  gpus?: number[];
  /** The simulated leginondb's shape (default current). */
  leginonEra?: LeginonEra;
  /** A MariaDB server other than the shared one (a chaos scenario's own, which it stops and starts). */
  mariadbUrl?: string;
  /** For that server's files. */
  dir?: string;
}

export async function createHarness(name: string, overrides: Record<string, unknown> = {}, { gpus, leginonEra, mariadbUrl = TEST_MARIADB, dir = makeHarnessDir(name) }: HarnessOptions = {}): Promise<Harness> {
  await ensureMariaDb(mariadbUrl);
  const temporal = await startTemporalForTest(dir);
  const dbName = `cryo_buffer_test_${name.replace(/\W/g, '_')}_${process.pid}`;
  const leginondbUrl = new URL(dbName, mariadbUrl).toString();
  // Pre-processing results go to the project's own database, beside the simulated leginondb.
  const bufferdbUrl = new URL(`${dbName}_results`, mariadbUrl).toString();
  if (overrides.preprocess) await createDatabase(bufferdbUrl, { dropFirst: true });
  const facility = await prepareSimulatedFacility({
    baseDir: dir,
    leginondbUrl,
    freshDatabase: true,
    sessionName: '25nov25a',
    gpus,
    leginonEra,
    overrides: {
      ...FAST_SETTINGS,
      temporal: { address: temporal.address },
      ...(overrides.preprocess ? { bufferdb: { url: bufferdbUrl } } : {}),
      ...overrides,
    },
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const harness: Harness = {
    ...facility,
    dir,
    temporal,
    client,
    async restartTemporal() {
      harness.temporal = await startTemporalForTest(dir, Number(new URL(`http://${temporal.address}`).port));
    },
    async stop() {
      await connection.close();
      await facility.db.end();
      await harness.temporal.stop();
      const admin = await mysql.createConnection({ uri: serverUrl(leginondbUrl) });
      await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
      await admin.query(`DROP DATABASE IF EXISTS \`${dbName}_results\``);
      await admin.end();
      if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

export const makeHarnessDir = (name: string) => mkdtempSync(path.join(os.tmpdir(), `cryo-buffer-${name}-`));

export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}`);
}

export function movieStatus(handle: WorkflowHandle): Promise<MovieStatus> {
  return handle.query<MovieStatus>(QUERIES.status);
}

export async function waitForStage(handle: WorkflowHandle, stages: MovieStage[], timeoutMs = 60_000): Promise<MovieStatus> {
  return waitUntil(
    async () => {
      const status = await movieStatus(handle);
      return stages.includes(status.stage) ? status : undefined;
    },
    `${handle.workflowId} to reach ${stages.join(' or ')}`,
    timeoutMs,
  );
}

/**
 * Registers before/after hooks in the current describe(): a harness, optionally with worker roles running in
 * this process. Read `env.h` inside tests (it is set once `before` has run). Whatever a test starts that talks
 * to Temporal goes in `env.beforeStop`: node runs `after` hooks in the order they were registered, so a test's
 * own `after` would run once the server and its client are gone, and a call still in flight then would throw
 * from a gRPC retry timer, outside any test.
 */
export function useHarness(
  name: string,
  options: { roles?: readonly Role[]; overrides?: Record<string, unknown>; gpus?: number[]; leginonEra?: LeginonEra } = {},
) {
  const stops: (() => unknown)[] = [];
  const env = { beforeStop: (stop: () => unknown) => void stops.unshift(stop) } as { h: Harness; roles?: RunningRoles; beforeStop(stop: () => unknown): void };
  before(async () => {
    env.h = await createHarness(name, options.overrides, { gpus: options.gpus, leginonEra: options.leginonEra });
    if (options.roles) env.roles = await startRoles(env.h.config, { roles: options.roles });
  });
  after(async () => {
    for (const stop of stops) await stop();
    await env.roles?.stop();
    await env.h?.stop();
  });
  return env;
}

/** The largest payload anywhere in a workflow's history (activity inputs and results, signals), and all of them. */
export function historyPayloadBytes(history: object): { largest: number; total: number } {
  let largest = 0;
  let total = 0;
  const visit = (value: unknown) => {
    if (value instanceof Uint8Array || value === null || typeof value !== 'object') return;
    if ('data' in value && value.data instanceof Uint8Array) {
      largest = Math.max(largest, value.data.length);
      total += value.data.length;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(history);
  return { largest, total };
}
