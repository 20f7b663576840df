/** A buffer host's I/O worker: camera copies, renames and deletions on `io@<bufferHost>`, and hold lookups. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createCapacityActivities } from '../activities/capacity.js';
import { createHoldActivities } from '../activities/holds.js';
import { createIoActivities } from '../activities/io.js';
import { durationMs, type BufferHostConfig, type Config } from '../src/config.js';
import type { Db } from '../src/leginondb.js';
import { logger } from '../src/logger.js';
import { BUFFER_CAPACITY_WORKFLOW_TYPE, bufferCapacityWorkflowId, ioTaskQueue, WORKFLOW_TASK_QUEUE } from '../src/operatorNames.js';

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
      ...createCapacityActivities({ config, bufferHost, client, logger: logger.child({ role: 'io', bufferHost: bufferHost.name }) }),
    },
    // Copies are disk- and network-bound: a few at a time saturate a 10 GbE camera link without thrashing.
    maxConcurrentActivityTaskExecutions: 4,
  });
}

/** Starts the host's bufferCapacity workflow unless it runs already (every io worker asks). */
export async function startBufferCapacity(client: Client, config: Config, bufferHost: string): Promise<void> {
  await client.workflow.start(BUFFER_CAPACITY_WORKFLOW_TYPE, {
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowId: bufferCapacityWorkflowId(bufferHost),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [{ bufferHost, intervalMs: durationMs(config.capacity.checkInterval) }],
  });
}
