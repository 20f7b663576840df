/**
 * `npm run cluster -- certs|start|stop|status`: the self-hosted Temporal server on PostgreSQL
 * (src/temporalCluster.ts), and the certificates for its mutual TLS (src/temporalCerts.ts). Point the buffer
 * server at it with `temporal.address` (or TEMPORAL_ADDRESS) and `temporal.tls`.
 */
import path from 'node:path';
import { Command } from 'commander';
import { durationMs } from '../src/config.js';
import { CLIENT_ROLES, makeClusterCerts } from '../src/temporalCerts.js';
import { clusterPid, startCluster, stopCluster } from '../src/temporalCluster.js';
import { startTemporalUi, stopTemporalUi } from '../src/temporalUi.js';

const STATE_DIR = path.resolve(import.meta.dirname, '../var/temporal-cluster');
const DEFAULT_TLS_DIR = path.join(STATE_DIR, 'tls');
const program = new Command('cluster').description('the self-hosted Temporal server on PostgreSQL');

program
  .command('start')
  .option('--port <port>', 'frontend gRPC port (the next ones and +100.. are used by the other services)', '7233')
  .option('--namespace <name>', 'namespace to register', 'default')
  .option('--retention <duration>', 'how long finished movies stay visible', '30d')
  .option('--pg <host:port>', 'PostgreSQL', process.env.TEMPORAL_PG_ADDRESS ?? '127.0.0.1:5432')
  .option('--pg-user <user>', 'PostgreSQL user', process.env.TEMPORAL_PG_USER ?? 'postgres')
  .option('--bind <address>', 'where the frontend listens; anything but loopback needs --tls-dir', '127.0.0.1')
  .option('--tls-dir <dir>', 'certificates from `npm run cluster -- certs`: mutual TLS on the frontend and internode')
  .option('--server-name <name>', 'the name in the server certificate clients check (the first --host given to certs)', 'localhost')
  .option('--ui-port <port>', 'the Temporal Web UI beside it (loopback only: it has no login)', '8233')
  .action(async (options: { port: string; namespace: string; retention: string; pg: string; pgUser: string; bind: string; tlsDir?: string; serverName: string; uiPort: string }) => {
    const [host, port] = options.pg.split(':');
    const tls = options.tlsDir ? { dir: path.resolve(options.tlsDir), serverName: options.serverName } : undefined;
    const address = await startCluster({
      bind: options.bind,
      tls,
      stateDir: STATE_DIR,
      frontendPort: Number(options.port),
      namespace: options.namespace,
      retentionMs: durationMs(options.retention),
      postgres: { host: host!, port: Number(port ?? 5432), user: options.pgUser, password: process.env.TEMPORAL_PG_PASSWORD ?? '' },
    });
    console.log(`Temporal server on PostgreSQL at ${address} (log: ${path.relative(process.cwd(), STATE_DIR)}/server.log)`);
    console.log(`use it: TEMPORAL_ADDRESS=${address}, or "temporal": {"address": "${address}"} in the config`);
    const webUi = await startTemporalUi({ stateDir: STATE_DIR, frontendAddress: address, port: Number(options.uiPort), namespace: options.namespace, tls });
    console.log(`Temporal Web UI at ${webUi} (loopback only; from elsewhere: ssh -L ${options.uiPort}:127.0.0.1:${options.uiPort} <this host>)`);
    console.log(`movie links in the dashboard and bufferctl status: "dashboard": {"temporalWebUi": "${webUi}"} in the config`);
  });

program
  .command('certs')
  .description('make a CA, the server certificate and one client certificate per role (openssl), keeping what exists')
  .option('--dir <dir>', 'where they go (keys mode 0600)', DEFAULT_TLS_DIR)
  .option('--host <name...>', 'names and addresses clients dial the server by (besides localhost and 127.0.0.1)', [])
  .action(async (options: { dir: string; host: string[] }) => {
    const dir = path.resolve(options.dir);
    const { serverName, files } = await makeClusterCerts({ dir, hosts: options.host });
    console.log(files.length ? `made in ${dir}: ${files.join(', ')}` : `all certificates exist already in ${dir}`);
    console.log(`start the server with: npm run cluster -- start --tls-dir ${dir} --server-name ${serverName} [--bind 0.0.0.0]`);
    console.log(`each role's host gets ca.pem and its own <role>.pem/.key (${CLIENT_ROLES.join(', ')}), in its config:`);
    console.log(`  "temporal": {"tls": {"serverRootCACert": "${dir}/ca.pem", "clientCert": "${dir}/io.pem", "clientKey": "${dir}/io.key", "serverName": "${serverName}"}}`);
  });

program.command('stop').action(async () => {
  await stopTemporalUi(STATE_DIR);
  console.log((await stopCluster(STATE_DIR)) ? 'stopped' : 'not running');
});

program.command('status').action(() => {
  const pid = clusterPid(STATE_DIR);
  console.log(pid === undefined ? 'not running' : `running, pid ${pid}`);
});

await program.parseAsync();
