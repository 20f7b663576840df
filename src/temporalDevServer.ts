/**
 * The embedded Temporal: the Temporal CLI's dev server (SQLite file, Web UI). Finds `temporal` on PATH or builds
 * the pinned CLI once into a cache outside the repo, starts the server, and registers what the project needs
 * (search attributes, retention). With TEMPORAL_ADDRESS set, none of this runs: that cluster is used.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { SearchAttributeType } from '@temporalio/common';
import { ensureGoBinaries, onPath, projectCacheDir } from './goInstall.js';
import { SEARCH_ATTRIBUTES } from './operatorNames.js';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const CLI_MODULE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;

export function cliCacheDir(): string {
  return projectCacheDir(`temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

/** Path of a usable `temporal` binary; builds the pinned one with `go install` the first time (minutes). */
export async function ensureTemporalCli(log: (line: string) => void = console.log): Promise<string> {
  const fromPath = await onPath('temporal');
  if (fromPath) return fromPath;
  const [cli] = await ensureGoBinaries(cliCacheDir(), [CLI_MODULE], ['temporal'], `the Temporal CLI ${TEMPORAL_CLI_VERSION}`, log);
  return cli!;
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface DevServerOptions {
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number;
  dbFile: string;
  logFile: string;
  namespace: string;
  /** How long closed workflows stay visible, e.g. 30 days. */
  retentionMs: number;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** False when a server already listening on the port was reused. */
  startedHere: boolean;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
}

/** Starts the dev server (or reuses one already on the port) and registers the project's namespace settings. */
/**
 * New tasks of every task queue go to one partition (the server's default is four): a backlog then drains in the
 * order it arrived, the archive copies after an outage oldest first (measured: with four, 8 queued copies came out
 * of order in every run, storageHealth.test.ts). Reads stay at four, so tasks a server already holds in the
 * other partitions are still delivered (lowering the read partitions would strand them). A facility's load, a few
 * tasks a second per queue, is far below what one partition serves.
 */
const ONE_WRITE_PARTITION = ['matching.numTaskqueueWritePartitions=1'];

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = await ensureTemporalCli();
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = options.uiPort ? `http://localhost:${options.uiPort}` : undefined;
  let child: ResultPromise | undefined;
  for (let attempt = 1; !(await isPortOpen(options.port)); attempt++) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    const logStart = existsSync(options.logFile) ? statSync(options.logFile).size : 0;
    child = execa(
      cli,
      [
        'server', 'start-dev',
        '--ip', '127.0.0.1',
        '--port', String(options.port),
        '--db-filename', options.dbFile,
        '--namespace', options.namespace,
        '--sqlite-pragma', 'journal_mode=WAL',
        '--sqlite-pragma', 'synchronous=NORMAL',
        '--log-level', 'warn',
        ...ONE_WRITE_PARTITION.flatMap((value) => ['--dynamic-config-value', value]),
        ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
      ],
      { stdout: { file: options.logFile, append: true }, stderr: { file: options.logFile, append: true }, stdin: 'ignore', reject: false, cleanup: true },
    );
    const exited = child.then((r) => r);
    try {
      await Promise.race([
        waitFor(() => isPortOpen(options.port), `the Temporal dev server on ${address}`, 60_000),
        exited.then((r) => {
          throw new Error(`the Temporal dev server exited (${r.exitCode ?? r.signal}); see ${options.logFile}`);
        }),
      ]);
    } catch (error) {
      // The CLI picks its HTTP API and metrics ports itself, free when picked; another process can take one before
      // the server binds it. Then it exits at once, and a second start picks others.
      const log = readFileSync(options.logFile, 'utf8').slice(logStart);
      if (attempt < 3 && child.exitCode !== null && log.includes('address already in use') && !log.includes(`${address}: bind`)) continue;
      throw error;
    }
    break;
  }
  await registerProjectSettings(cli, ['--address', address], options.namespace, options.retentionMs);
  return {
    address,
    uiUrl,
    startedHere: child !== undefined,
    async stop() {
      if (!child || child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await child;
      clearTimeout(timer);
    },
  };
}

const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.INT]: 'Int',
};

/**
 * Search attributes and retention. Both are idempotent, and both must be (re)applied here: `--search-attribute`
 * flags of start-dev are ignored once the db file exists, and the dev server's default retention is 24 h.
 */
/** `connection`: the CLI's --address (and, for a cluster with mTLS, --tls-*) flags. */
export async function registerProjectSettings(cli: string, connection: string[], namespace: string, retentionMs: number) {
  // One at a time: a batch fails as a whole on the first name that exists, leaving later (new) names unregistered.
  for (const attribute of Object.values(SEARCH_ATTRIBUTES)) {
    const create = await execa(
      cli,
      [
        'operator', 'search-attribute', 'create',
        ...connection,
        '--namespace', namespace,
        '--name', attribute.name,
        '--type', CLI_TYPE_NAMES[attribute.type]!,
      ],
      { reject: false },
    );
    if (create.exitCode !== 0 && !/already exists/i.test(create.stderr)) {
      throw new Error(`registering search attribute ${attribute.name} failed: ${create.stderr}`);
    }
  }
  const hours = Math.max(24, Math.ceil(retentionMs / 3_600_000));
  await execa(cli, ['operator', 'namespace', 'update', ...connection, '--namespace', namespace, '--retention', `${hours}h`]);
}

/** A TCP port nothing listens on now: for dev servers of tests and benchmarks. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
