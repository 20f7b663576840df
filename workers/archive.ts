/** A buffer host's archive worker: buffer -> primary storage copies on `archive-<target>@<bufferHost>`. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createArchiveActivities } from '../activities/archive.js';
import type { BufferHostConfig, Config } from '../src/config.js';
import { logger } from '../src/logger.js';
import { archiveTaskQueue } from '../src/operatorNames.js';

export async function createArchiveWorker(
  connection: NativeConnection,
  config: Config,
  bufferHost: BufferHostConfig,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: archiveTaskQueue(config.archive.target, bufferHost.name),
    activities: createArchiveActivities({
      config,
      bufferRoot: bufferHost.root,
      logger: logger.child({ role: 'archive', bufferHost: bufferHost.name, target: config.archive.target }),
    }),
    maxConcurrentActivityTaskExecutions: 2,
  });
}
