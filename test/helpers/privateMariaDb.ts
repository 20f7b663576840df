/**
 * A MariaDB server of a test's own (its own data folder and port), so a chaos scenario can stop and restart the
 * database without touching the machine's shared server that other tests use.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { canConnect, MARIADBD } from '../../src/mariadb.js';
import { freePort } from '../../src/temporalDevServer.js';

export interface PrivateMariaDb {
  /** mysql:// URL of the server (no database). */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function createPrivateMariaDb(dir: string): Promise<PrivateMariaDb> {
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  await execa('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db']);
  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}/`;
  let server: ResultPromise | undefined;

  const db: PrivateMariaDb = {
    url,
    async start() {
      server = execa(
        MARIADBD,
        [
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${path.join(dir, 'mariadb.sock')}`,
          '--user=root',
          '--skip-log-bin',
          '--innodb-buffer-pool-size=32M',
          `--log-error=${path.join(dir, 'mariadb.log')}`,
        ],
        { reject: false, stdio: 'ignore' },
      );
      for (let i = 0; i < 150 && !(await canConnect(url)); i++) await new Promise((r) => setTimeout(r, 200));
      if (!(await canConnect(url))) throw new Error(`private MariaDB on port ${port} did not start; see ${dir}/mariadb.log`);
    },
    async stop() {
      server?.kill('SIGTERM');
      await server;
      server = undefined;
    },
  };
  await db.start();
  return db;
}
