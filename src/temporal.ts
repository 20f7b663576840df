/** How every process reaches Temporal: the configured cluster, or the embedded dev server's port. */
import { Client, Connection } from '@temporalio/client';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Config } from './config.js';
import { logger } from './logger.js';
import { WORKFLOW_TASK_QUEUE } from './operatorNames.js';

export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devServer.port}`;
}

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(`cannot reach Temporal at ${address} (${(cause as Error).message}); is the server running? (npm start starts the embedded one; TEMPORAL_ADDRESS selects another)`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectClient(config: Config): Promise<Client> {
  const address = temporalAddress(config);
  const connection = await Connection.connect({ address }).catch((error) => {
    throw new TemporalUnreachableError(address, error);
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/**
 * Workers wait for Temporal rather than exit: after a power cut the buffer host may boot before the Temporal
 * server does. Logs once per minute while waiting.
 */
export async function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  installTemporalRuntime();
  const address = temporalAddress(config);
  for (let attempt = 0; ; attempt++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (error) {
      if (attempt % 12 === 0) logger.warn({ address, err: (error as Error).message }, 'waiting for the Temporal server');
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

let runtimeInstalled = false;

/**
 * Routes the SDK's own log lines (worker state changes, task failures) into the project's JSON log, at warn
 * and above unless TEMPORAL_LOG_LEVEL says otherwise. Must run before the first worker connection.
 */
export function installTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
  const minimum = levels.indexOf((process.env.TEMPORAL_LOG_LEVEL ?? 'WARN').toUpperCase() as (typeof levels)[number]);
  const forward = (level: LogLevel, message: string, meta?: LogMetadata) => {
    if (levels.indexOf(level) < minimum) return;
    // Each worker serves either workflows or activities by design; the SDK warns about the other half.
    if (/^No (activities|workflows) registered/.test(message)) return;
    const method = level === 'ERROR' ? 'error' : level === 'WARN' ? 'warn' : level === 'INFO' ? 'info' : 'debug';
    sdkLogger[method](meta ?? {}, message);
  };
  Runtime.install({
    logger: {
      log: forward,
      trace: (m, meta) => forward('TRACE', m, meta),
      debug: (m, meta) => forward('DEBUG', m, meta),
      info: (m, meta) => forward('INFO', m, meta),
      warn: (m, meta) => forward('WARN', m, meta),
      error: (m, meta) => forward('ERROR', m, meta),
    },
  });
}

/** Starts a long-lived workflow of which there is one per id, unless it runs already (every worker asks at start). */
export async function ensureWorkflowRunning(client: Client, workflowType: string, workflowId: string, args: unknown[]): Promise<void> {
  await client.workflow.start(workflowType, { taskQueue: WORKFLOW_TASK_QUEUE, workflowId, workflowIdConflictPolicy: 'USE_EXISTING', args });
}
