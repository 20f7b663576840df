/** The workflow worker: runs ingestMovie's orchestration; it touches no files, so any host may run it. */
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { Config } from '../src/config.js';
import { WORKFLOW_TASK_QUEUE } from '../src/operatorNames.js';
import { commonWorkerOptions } from './options.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createWorkflowWorker(connection: NativeConnection, config: Config): Promise<Worker> {
  return Worker.create({
    ...commonWorkerOptions(connection, config),
    taskQueue: WORKFLOW_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    // Most open movies sleep on their 14-day expiry timer: evicting them keeps memory flat; a timer firing
    // later replays a short history.
    maxCachedWorkflows: 500,
  });
}
