/**
 * `npm run cluster -- start|stop|status [--port P]`: the self-hosted Temporal server on PostgreSQL
 * (src/temporalCluster.ts). Point the buffer server at it with `temporal.address` (or TEMPORAL_ADDRESS).
 */
import path from 'node:path';
import { Command } from 'commander';
import { durationMs } from '../src/config.js';
import { clusterPid, startCluster, stopCluster } from '../src/temporalCluster.js';

const STATE_DIR = path.resolve(import.meta.dirname, '../var/temporal-cluster');
const program = new Command('cluster').description('the self-hosted Temporal server on PostgreSQL');

program
  .command('start')
  .option('--port <port>', 'frontend gRPC port (the next ones and +100.. are used by the other services)', '7233')
  .option('--namespace <name>', 'namespace to register', 'default')
  .option('--retention <duration>', 'how long finished movies stay visible', '30d')
  .option('--pg <host:port>', 'PostgreSQL', process.env.TEMPORAL_PG_ADDRESS ?? '127.0.0.1:5432')
  .option('--pg-user <user>', 'PostgreSQL user', process.env.TEMPORAL_PG_USER ?? 'postgres')
  .action(async (options: { port: string; namespace: string; retention: string; pg: string; pgUser: string }) => {
    const [host, port] = options.pg.split(':');
    const address = await startCluster({
      stateDir: STATE_DIR,
      frontendPort: Number(options.port),
      namespace: options.namespace,
      retentionMs: durationMs(options.retention),
      postgres: { host: host!, port: Number(port ?? 5432), user: options.pgUser, password: process.env.TEMPORAL_PG_PASSWORD ?? '' },
    });
    console.log(`Temporal server on PostgreSQL at ${address} (log: ${path.relative(process.cwd(), STATE_DIR)}/server.log)`);
    console.log(`use it: TEMPORAL_ADDRESS=${address}, or "temporal": {"address": "${address}"} in the config`);
  });

program.command('stop').action(async () => {
  console.log((await stopCluster(STATE_DIR)) ? 'stopped' : 'not running');
});

program.command('status').action(() => {
  const pid = clusterPid(STATE_DIR);
  console.log(pid === undefined ? 'not running' : `running, pid ${pid}`);
});

await program.parseAsync();
