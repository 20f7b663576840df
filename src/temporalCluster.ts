/**
 * The self-hosted Temporal server on PostgreSQL (`npm run cluster -- start|stop|status`): the pinned server and its
 * schema tool built once into the cache, the `temporal` and `temporal_visibility` databases created and brought to
 * the server's schema, the server started with config/temporal-cluster/production.yaml, then the namespace,
 * retention and search attributes registered. The facility's workers then use it through `temporal.address`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ensureGoBinaries, goCommand, projectCacheDir } from './goInstall.js';
import { CERT_FILES } from './temporalCerts.js';
import { ensureTemporalCli, isPortOpen, registerProjectSettings } from './temporalDevServer.js';

/** The server version the pinned CLI (v1.5.1) bundles in its dev server: one server behaviour everywhere. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const SERVER_MODULE = `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`;
const CONFIG_DIR = path.resolve(import.meta.dirname, '../config/temporal-cluster');

export interface ClusterOptions {
  /** Where the pid file and the server log go (not in the repo's history: var/ is ignored). */
  stateDir: string;
  frontendPort: number;
  namespace: string;
  retentionMs: number;
  postgres: { host: string; port: number; user: string; password: string };
  /** Database names; default `temporal` and `temporal_visibility`. */
  databases?: { history: string; visibility: string };
  /** Drop both databases first (benchmarks start empty). */
  fresh?: boolean;
  /**
   * Where the frontend listens (default 127.0.0.1). Anything but loopback needs `tlsDir`: then only clients with a
   * certificate of the cluster's CA get in (mutual TLS), and the server runs without --allow-no-auth.
   */
  bind?: string;
  /** A folder made by `npm run cluster -- certs` (src/temporalCerts.ts): mutual TLS on the frontend and internode. */
  tls?: { dir: string; serverName: string };
  log?: (line: string) => void;
}

const DEFAULT_DATABASES = { history: 'temporal', visibility: 'temporal_visibility' };

async function ensureServerBinaries(log: (line: string) => void): Promise<{ server: string; sqlTool: string }> {
  const [server, sqlTool] = await ensureGoBinaries(
    projectCacheDir(`temporal-server-${TEMPORAL_SERVER_VERSION}`),
    [`go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
    ['server', 'sql'],
    `the Temporal server ${TEMPORAL_SERVER_VERSION} and its schema tool`,
    log,
  );
  return { server: server!, sqlTool: sqlTool! };
}

/** The server module's schema files, from the module cache the build filled. */
async function schemaDir(): Promise<string> {
  const go = await goCommand();
  const { stdout } = await execa(go, ['env', 'GOMODCACHE']);
  const dir = path.join(stdout.trim(), SERVER_MODULE, 'schema', 'postgresql', 'v12');
  if (!existsSync(dir)) {
    await execa(go, ['mod', 'download', SERVER_MODULE], { env: { GOFLAGS: '-mod=mod' } });
  }
  return dir;
}

/** Starts the local PostgreSQL cluster the way this kind of machine runs it, if it does not answer. */
async function ensurePostgres({ host, port }: ClusterOptions['postgres'], log: (line: string) => void): Promise<void> {
  if (await isPortOpen(port, host)) return;
  if (!['127.0.0.1', 'localhost'].includes(host)) throw new Error(`PostgreSQL at ${host}:${port} does not answer`);
  log('PostgreSQL is not running; starting it...');
  const { stdout } = await execa('sh', ['-c', 'ls /etc/postgresql']);
  await execa('pg_ctlcluster', ['--skip-systemctl-redirect', stdout.trim().split('\n')[0]!, 'main', 'start']);
  for (let i = 0; i < 100 && !(await isPortOpen(port, host)); i++) await new Promise((r) => setTimeout(r, 200));
}

/** Creates both databases if missing and updates them to the server's schema version (idempotent). */
async function setUpSchemas(sqlTool: string, { postgres: pg, databases = DEFAULT_DATABASES, fresh }: ClusterOptions): Promise<void> {
  const schemas = await schemaDir();
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '--port', String(pg.port), '--user', pg.user];
  // The password goes by the environment the tool reads (SQL_PASSWORD), never on argv, where `ps` shows it.
  const secret = { env: { SQL_PASSWORD: pg.password } };
  for (const [database, folder] of [[databases.history, 'temporal'], [databases.visibility, 'visibility']] as const) {
    const db = [...base, '--db', database];
    if (fresh) await execa(sqlTool, [...db, 'drop-database', '--force'], { reject: false, ...secret });
    await execa(sqlTool, [...db, 'create-database'], { reject: false, ...secret });
    // setup-schema -v 0.0 only creates the version table; it fails harmlessly when that exists.
    await execa(sqlTool, [...db, 'setup-schema', '-v', '0.0'], { reject: false, ...secret });
    await execa(sqlTool, [...db, 'update-schema', '-d', path.join(schemas, folder, 'versioned')], secret);
  }
}

const pidFile = (stateDir: string) => path.join(stateDir, 'server.pid');

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The server's environment for config/temporal-cluster/production.yaml's TLS section (empty: no TLS). */
function tlsEnvironment(tls: ClusterOptions['tls']): Record<string, string> {
  if (!tls) return {};
  const at = (file: string) => path.join(tls.dir, file);
  return {
    TEMPORAL_TLS_CA: at(CERT_FILES.ca),
    TEMPORAL_TLS_SERVER_CERT: at(CERT_FILES.server),
    TEMPORAL_TLS_SERVER_KEY: at(CERT_FILES.serverKey),
    TEMPORAL_TLS_WORKER_CERT: at(CERT_FILES.systemWorker),
    TEMPORAL_TLS_WORKER_KEY: at(CERT_FILES.systemWorkerKey),
    TEMPORAL_TLS_SERVER_NAME: tls.serverName,
  };
}

/** The highest frontend port: the server keeps membership ports (frontend + 100..106) in a smallint column. */
const HIGHEST_FRONTEND_PORT = 32_767 - 106;

/** A random frontend port whose neighbours the cluster uses (+1, +100..+106) are free too, for tests and benchmarks. */
export async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * (HIGHEST_FRONTEND_PORT - 20_000));
    if (!(await isPortOpen(port)) && !(await isPortOpen(port + 1)) && !(await isPortOpen(port + 100))) return port;
  }
}

/** The CLI's flags for reaching the cluster: --address, and with mTLS the bufferctl role's certificate. */
export function cliConnection(address: string, tls: ClusterOptions['tls']): string[] {
  if (!tls) return ['--address', address];
  const at = (file: string) => path.join(tls.dir, file);
  return ['--address', address, '--tls-ca-path', at(CERT_FILES.ca), '--tls-cert-path', at(CERT_FILES.client('bufferctl')), '--tls-key-path', at(CERT_FILES.clientKey('bufferctl')), '--tls-server-name', tls.serverName];
}

export async function startCluster(options: ClusterOptions): Promise<string> {
  const log = options.log ?? console.log;
  const bind = options.bind ?? '127.0.0.1';
  if (!isLoopback(bind) && !options.tls) {
    throw new Error(`refusing to listen on ${bind} without mutual TLS: anyone who reaches Temporal controls the root workers. Make certificates (npm run cluster -- certs) and start with --tls-dir`);
  }
  // Clients on this host dial loopback when the frontend listens on loopback or on every address.
  const dialHost = bind === 'localhost' || bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  const dialName = dialHost.includes(':') ? `[${dialHost}]` : dialHost;
  const address = `${dialName}:${options.frontendPort}`;
  if (options.frontendPort > HIGHEST_FRONTEND_PORT) throw new Error(`frontend port ${options.frontendPort} is too high: the cluster uses it up to +106, and ports above 32767 fail`);
  if (await isPortOpen(options.frontendPort, dialHost)) throw new Error(`something already listens on ${address} (a dev server, or the cluster: npm run cluster -- status)`);
  const [{ server, sqlTool }, cli] = await Promise.all([ensureServerBinaries(log), ensureTemporalCli(log)]);
  await ensurePostgres(options.postgres, log);
  await setUpSchemas(sqlTool, options);
  mkdirSync(options.stateDir, { recursive: true });
  const logFile = path.join(options.stateDir, 'server.log');
  // Without TLS the server is reachable from this host only; "no authorizer" is then said out loud.
  const noAuth = options.tls ? [] : ['--allow-no-auth'];
  await startDetached('the Temporal server', server, ['--root', '/', '--config', CONFIG_DIR, '--env', 'production', ...noAuth, 'start'], {
    logFile,
    pidFile: pidFile(options.stateDir),
    listens: { port: options.frontendPort, host: dialHost, shownAs: address },
    waitMs: 60_000,
    env: {
      ...tlsEnvironment(options.tls),
      TEMPORAL_FRONTEND_BIND: bind === 'localhost' ? '127.0.0.1' : bind,
      TEMPORAL_FRONTEND_DIAL: dialName,
      TEMPORAL_FRONTEND_PORT: String(options.frontendPort),
      TEMPORAL_PG_ADDRESS: `${options.postgres.host}:${options.postgres.port}`,
      TEMPORAL_PG_USER: options.postgres.user,
      TEMPORAL_PG_PASSWORD: options.postgres.password,
      TEMPORAL_PG_DATABASE: (options.databases ?? DEFAULT_DATABASES).history,
      TEMPORAL_PG_VISIBILITY_DATABASE: (options.databases ?? DEFAULT_DATABASES).visibility,
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${options.frontendPort + 1900}`,
      TEMPORAL_DYNAMIC_CONFIG: path.join(CONFIG_DIR, 'dynamicconfig.yaml'),
    },
  });
  const connection = cliConnection(address, options.tls);
  // The frontend listens before the namespace registry is ready: retry the first call until it answers.
  for (let attempt = 0; ; attempt++) {
    const created = await execa(cli, ['operator', 'namespace', 'create', ...connection, '--namespace', options.namespace], { reject: false });
    if (created.exitCode === 0 || /already/i.test(created.stderr)) break;
    if (attempt >= 30) throw new Error(`registering namespace ${options.namespace} failed: ${created.stderr}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  await registerProjectSettings(cli, connection, options.namespace, options.retentionMs);
  // The frontend caches namespaces (about 10 s): new search attributes are usable once a query with one passes.
  for (let attempt = 0; ; attempt++) {
    const probe = await execa(cli, ['workflow', 'count', ...connection, '--namespace', options.namespace, '--query', "MovieStage='archived'"], { reject: false });
    if (probe.exitCode === 0) break;
    if (attempt >= 30) throw new Error(`search attributes not usable on ${address}: ${probe.stderr}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return address;
}

/**
 * Starts a server that outlives this command: detached, its output straight into its log file, its pid in its pid
 * file; returns once it listens.
 */
export async function startDetached(
  what: string,
  command: string,
  args: string[],
  options: { logFile: string; pidFile: string; listens: { port: number; host: string; shownAs: string }; waitMs: number; env?: NodeJS.ProcessEnv },
): Promise<void> {
  const out = openSync(options.logFile, 'a');
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  child.unref();
  writeFileSync(options.pidFile, `${child.pid}\n`);
  const { port, host, shownAs } = options.listens;
  for (let waited = 0; waited < options.waitMs && !(await isPortOpen(port, host)); waited += 200) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!(await isPortOpen(port, host))) throw new Error(`${what} did not come up on ${shownAs}; see ${options.logFile}`);
}

/** The process a pid file names, if it still runs. */
export function runningPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8'));
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Stops the detached process (group) a pid file names; false when none ran. */
export async function stopDetached(file: string): Promise<boolean> {
  const pid = runningPid(file);
  if (pid === undefined) return false;
  process.kill(-pid, 'SIGTERM');
  for (let i = 0; i < 100 && runningPid(file) !== undefined; i++) await new Promise((r) => setTimeout(r, 200));
  rmSync(file, { force: true });
  return true;
}

export const clusterPid = (stateDir: string) => runningPid(pidFile(stateDir));
export const stopCluster = (stateDir: string) => stopDetached(pidFile(stateDir));
