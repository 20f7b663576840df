/** A buffer host's archive worker: buffer -> primary storage copies on `archive-<target>@<bufferHost>`. */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createArchiveActivities } from '../activities/archive.js';
import { durationMs, type BufferHostConfig, type Config } from '../src/config.js';
import { TargetGate } from '../src/storageHealth.js';
import { probeStorage } from '../src/storageProbe.js';
import { logger } from '../src/logger.js';
import type { Client } from '@temporalio/client';
import { archiveProbeTaskQueue, archiveTaskQueue, STORAGE_HEALTH_WORKFLOW_TYPE, storageHealthWorkflowId } from '../src/operatorNames.js';
import { ensureWorkflowRunning } from '../src/temporal.js';
import type { StorageHealthInput } from '../workflows/storageHealth.js';
import { commonWorkerOptions } from './options.js';

/** The copies queue and the probe queue, served by one process so copies and probes share one view of the target. */
export async function createArchiveWorkers(connection: NativeConnection, config: Config, bufferHost: BufferHostConfig): Promise<Worker[]> {
  const { target } = config.archive;
  const activities = createArchiveActivities({
    config,
    bufferRoot: bufferHost.root,
    gate: archiveTargetGate(config, bufferHost.name),
    logger: logger.child({ role: 'archive', bufferHost: bufferHost.name, target }),
  });
  const worker = (taskQueue: string, slots: number) =>
    Worker.create({ ...commonWorkerOptions(connection, config), taskQueue, activities, maxConcurrentActivityTaskExecutions: slots });
  return Promise.all([
    worker(archiveTaskQueue(target, bufferHost.name), config.archive.concurrency),
    worker(archiveProbeTaskQueue(target, bufferHost.name), 1),
  ]);
}

/** This host's view of the archive target: probed on the storageHealth workflow's schedule, or by a copy itself. */
export function archiveTargetGate(config: Config, bufferHost: string): TargetGate {
  const { health, root, markerFile, assumeMounted } = config.archive;
  const target = { root, markerFile, assumeMounted, bufferHost, timeoutMs: durationMs(health.timeout), minFreeBytes: health.minFreeGiB * 1024 ** 3 };
  return new TargetGate(() => probeStorage(target), durationMs(health.interval));
}

/** Starts the host's storageHealth workflow for the target, unless it runs already (every archive worker asks). */
export async function startStorageHealth(client: Client, config: Config, bufferHost: string): Promise<void> {
  const input: StorageHealthInput = {
    target: config.archive.target,
    bufferHost,
    intervalMs: durationMs(config.archive.health.interval),
    timeoutMs: durationMs(config.archive.health.timeout),
  };
  await ensureWorkflowRunning(client, STORAGE_HEALTH_WORKFLOW_TYPE, storageHealthWorkflowId(config.archive.target, bufferHost), [input]);
}
