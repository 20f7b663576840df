/** Reaching MariaDB/MySQL for the demo and tests: start the local server if it is down, create databases. */
import { existsSync } from 'node:fs';
import { execa } from 'execa';
import mysql from 'mysql2/promise';

export const MARIADBD = '/usr/sbin/mariadbd';

export async function canConnect(url: string): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 3000 });
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

/** Server URL without the database part, for CREATE DATABASE. */
export function serverUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = '/';
  return parsed.toString();
}

/** Makes sure a local MariaDB answers at `url`, starting it the way this machine's services are started. */
export async function ensureMariaDb(url: string): Promise<void> {
  const server = serverUrl(url);
  if (await canConnect(server)) return;
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1'].includes(host) || !existsSync(MARIADBD)) {
    throw new Error(`cannot reach MariaDB/MySQL at ${host}; start it, or point LEGINONDB_URL at a running server`);
  }
  console.log('MariaDB is not running; starting it...');
  await execa('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', MARIADBD]);
  for (let i = 0; i < 150; i++) {
    if (await canConnect(server)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`started ${MARIADBD} but it does not answer at ${host} after 30 s`);
}

/** Creates the database named in `url` (if missing). */
export async function createDatabase(url: string, { dropFirst = false } = {}): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} must be letters, digits and _`);
  const connection = await mysql.createConnection({ uri: serverUrl(url) });
  try {
    if (dropFirst) await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
