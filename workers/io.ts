/**
 * A buffer host's I/O workers: `io@<bufferHost>` (camera copies, renames and deletions), `lookup@<bufferHost>`
 * (Leginon lookups, hold look-ups, capacity checks) and `expire@<bufferHost>` (expiry), each on slots of its own.
 * Each serves every activity of the set, so a task scheduled on another of these queues by an older workflow
 * version (lookups were on `io@` before) still runs.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createCapacityActivities } from '../activities/capacity.js';
import { createHoldActivities } from '../activities/holds.js';
import { createIoActivities } from '../activities/io.js';
import { durationMs, type BufferHostConfig, type Config } from '../src/config.js';
import { LEGINONDB_CONNECTIONS, type Db } from '../src/leginondb.js';
import { logger } from '../src/logger.js';
import { BUFFER_CAPACITY_WORKFLOW_TYPE, bufferCapacityWorkflowId, expiryTaskQueue, ioTaskQueue, lookupTaskQueue } from '../src/operatorNames.js';
import { ensureWorkflowRunning } from '../src/temporal.js';
import { commonWorkerOptions } from './options.js';

export async function createIoWorkers(
  connection: NativeConnection,
  config: Config,
  bufferHost: BufferHostConfig,
  db: Db,
  client: Client,
): Promise<Worker[]> {
  const ioLogger = logger.child({ role: 'io', bufferHost: bufferHost.name });
  const activities = {
    ...createIoActivities({ config, bufferHost, db, logger: ioLogger }),
    ...createHoldActivities({ client }),
    ...createCapacityActivities({ config, bufferHost, client, logger: ioLogger }),
  };
  return Promise.all([
    // Copies are disk- and network-bound: a few at a time saturate a 10 GbE camera link without thrashing.
    Worker.create({ ...commonWorkerOptions(connection, config), taskQueue: ioTaskQueue(bufferHost.name), activities, maxConcurrentActivityTaskExecutions: 4 }),
    // A lookup waits on leginondb, not on disks: as many as the leginondb pool has connections.
    Worker.create({ ...commonWorkerOptions(connection, config), taskQueue: lookupTaskQueue(bufferHost.name), activities, maxConcurrentActivityTaskExecutions: LEGINONDB_CONNECTIONS }),
    Worker.create({
      ...commonWorkerOptions(connection, config),
      taskQueue: expiryTaskQueue(bufferHost.name),
      activities,
      maxConcurrentActivityTaskExecutions: config.expiry.concurrency,
    }),
  ]);
}

/** Starts the host's bufferCapacity workflow unless it runs already (every io worker asks). */
export async function startBufferCapacity(client: Client, config: Config, bufferHost: string): Promise<void> {
  const input = { bufferHost, intervalMs: durationMs(config.capacity.checkInterval) };
  await ensureWorkflowRunning(client, BUFFER_CAPACITY_WORKFLOW_TYPE, bufferCapacityWorkflowId(bufferHost), [input]);
}
