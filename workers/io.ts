/** A buffer host's I/O worker: camera copies, renames and deletions on `io@<bufferHost>`, and hold lookups. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createHoldActivities } from '../activities/holds.js';
import { createIoActivities } from '../activities/io.js';
import type { BufferHostConfig, Config } from '../src/config.js';
import type { Db } from '../src/leginondb.js';
import { logger } from '../src/logger.js';
import { ioTaskQueue } from '../src/operatorNames.js';

export async function createIoWorker(
  connection: NativeConnection,
  config: Config,
  bufferHost: BufferHostConfig,
  db: Db,
  client: Client,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: ioTaskQueue(bufferHost.name),
    activities: {
      ...createIoActivities({ config, bufferHost, db, logger: logger.child({ role: 'io', bufferHost: bufferHost.name }) }),
      ...createHoldActivities({ client }),
    },
    // Copies are disk- and network-bound: a few at a time saturate a 10 GbE camera link without thrashing.
    maxConcurrentActivityTaskExecutions: 4,
  });
}
