/**
 * Starts the roles one process serves. A facility runs each role where it belongs (io and archive on each
 * buffer host, the watcher beside the camera share's mount, workflows anywhere); the demo runs all of them.
 */
import type { Worker } from '@temporalio/worker';
import { openBufferDb, migrateBufferDb, type BufferDb } from '../src/bufferdb.js';
import { preprocessingEnabled, type Config } from '../src/config.js';
import { findCameraInstruments, openLeginonDb, type Db } from '../src/leginondb.js';
import { logger } from '../src/logger.js';
import { missingMountProof } from '../src/mounts.js';
import { connectClient, connectWorkerConnection } from '../src/temporal.js';
import { createArchiveWorkers, startStorageHealth } from './archive.js';
import { createIoWorkers, startBufferCapacity } from './io.js';
import { createPreprocessWorkers, resolveEngineExecutables } from './preprocess.js';
import { startCameraWatcher, type CameraWatcher } from './watcher.js';
import { createWorkflowWorker } from './workflows.js';

export const ROLES = ['workflows', 'io', 'archive', 'preprocess', 'watcher'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleSelection {
  roles: readonly Role[];
  /** Buffer hosts whose io/archive workers run here; default: all configured. */
  bufferHosts?: string[];
  /** Cameras watched here; default: all configured. */
  cameras?: string[];
}

export interface RunningRoles {
  watchers: CameraWatcher[];
  /** Resolves when every worker has stopped; rejects if one crashes. */
  finished: Promise<void>;
  stop(): Promise<void>;
}

function pick<T extends { name?: string; host?: string }>(items: T[], names: string[] | undefined, kind: string): T[] {
  if (!names) return items;
  return names.map((name) => {
    const item = items.find((i) => (i.name ?? i.host) === name);
    if (!item) throw new Error(`${kind} "${name}" is not in the configuration`);
    return item;
  });
}

/**
 * Every root these roles trust as mounted must be able to prove it (a marker, or being a mount point): refuses
 * to start otherwise, naming the key, because an unmounted GPFS would later read as "up" and an unmounted share
 * as "empty".
 */
async function requireMountProof(config: Config, uses: { archive: boolean; cameras: Config['cameras'] }): Promise<void> {
  const problems = (
    await Promise.all([
      ...(uses.archive ? [missingMountProof(config.archive, 'archive')] : []),
      ...uses.cameras.map((camera) => missingMountProof(camera, `cameras[${config.cameras.indexOf(camera)}]`)),
    ])
  ).filter((p): p is string => p !== undefined);
  if (problems.length) throw new Error(`refusing to start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}

/**
 * Every camera host must be an InstrumentData hostname, or none of its movies can ever be found (rawtransfer
 * exits for the same reason). A leginondb that cannot be reached now is not a reason to stay down: lookups wait for it.
 */
async function requireCameraInstruments(db: Db, config: Config, cameras: Config['cameras']): Promise<void> {
  for (const camera of cameras) {
    const instruments = await findCameraInstruments(db, camera.host).catch((error: Error) => {
      logger.warn({ err: error, cameraHost: camera.host }, 'leginondb not reachable at start: the camera host is checked by every lookup instead');
      return undefined;
    });
    if (instruments?.length === 0) {
      throw new Error(
        `cameras[${config.cameras.indexOf(camera)}].host ${JSON.stringify(camera.host)} is the hostname of no InstrumentData row in leginondb: no movie of that camera could ever be found; use the camera computer's name as Leginon records it`,
      );
    }
  }
}

export async function startRoles(config: Config, selection: RoleSelection): Promise<RunningRoles> {
  const has = (role: Role) => selection.roles.includes(role);
  const bufferHosts = pick(config.bufferHosts, selection.bufferHosts, 'buffer host');
  const cameras = pick(config.cameras, selection.cameras, 'camera');
  if ((has('io') || has('archive')) && config.ownership.chown && process.getuid?.() !== 0) {
    throw new Error('ownership.chown is on, which needs root: run the io and archive workers as root, or set ownership.chown to false');
  }
  await requireMountProof(config, {
    archive: has('archive') || has('io'),
    cameras: [
      ...new Set([
        ...(has('watcher') ? cameras : []),
        ...(has('io') ? config.cameras.filter((camera) => bufferHosts.some((host) => host.name === camera.bufferHost)) : []),
      ]),
    ],
  });
  const preprocessing = has('preprocess') && preprocessingEnabled(config);
  // Checked before anything connects: a missing licensed tool must stop the process, not surface per movie.
  const executables = preprocessing ? await resolveEngineExecutables(config) : {};
  let db: Db | undefined;
  if (has('io')) {
    db = openLeginonDb(config.leginondb.url);
    await requireCameraInstruments(db, config, cameras).catch(async (error: unknown) => {
      await db!.end();
      throw error;
    });
  }
  const connection = await connectWorkerConnection(config);
  const client = has('watcher') || has('archive') || has('io') ? await connectClient(config) : undefined;
  const workers: Worker[] = [];
  let bufferDb: BufferDb | undefined;
  if (preprocessing) {
    bufferDb = openBufferDb(config.bufferdb!.url);
    await migrateBufferDb(bufferDb);
  }
  if (has('workflows')) workers.push(await createWorkflowWorker(connection, config));
  for (const bufferHost of bufferHosts) {
    if (has('io')) {
      db ??= openLeginonDb(config.leginondb.url);
      workers.push(...(await createIoWorkers(connection, config, bufferHost, db, client!)));
    }
    if (has('archive')) workers.push(...(await createArchiveWorkers(connection, config, bufferHost)));
    if (preprocessing) {
      db ??= openLeginonDb(config.leginondb.url);
      workers.push(...(await createPreprocessWorkers(connection, config, bufferHost, { leginonDb: db, bufferDb: bufferDb! }, executables)));
    }
  }
  for (const bufferHost of bufferHosts) {
    if (has('archive')) await startStorageHealth(client!, config, bufferHost.name);
    if (has('io')) await startBufferCapacity(client!, config, bufferHost.name);
  }
  const watchers = has('watcher') ? await Promise.all(cameras.map((camera) => startCameraWatcher(client!, config, camera))) : [];
  const finished = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  logger.info(
    { roles: selection.roles, bufferHosts: bufferHosts.map((h) => h.name), cameras: cameras.map((c) => c.host) },
    'roles started',
  );
  let stopping: Promise<void> | undefined;
  return {
    watchers,
    finished,
    stop() {
      stopping ??= (async () => {
        await Promise.all(watchers.map((w) => w.close()));
        for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
        await finished.catch((error) => logger.error({ err: error }, 'a worker failed while stopping'));
        await db?.end();
        await bufferDb?.end();
        await client?.connection.close();
        await connection.close();
      })();
      return stopping;
    },
  };
}
