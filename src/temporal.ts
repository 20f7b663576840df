/** How every process reaches Temporal: the configured cluster, or the embedded dev server's port. */
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Config } from './config.js';
import { logger } from './logger.js';
import { WORKFLOW_TASK_QUEUE } from './operatorNames.js';

export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devServer.port}`;
}

/** Address, TLS and API key: the same for clients and workers, so every process reaches the same cluster the same way. */
export function connectionOptions(config: Config) {
  const { tls, apiKey } = config.temporal;
  const read = (file?: string) => (file ? readFileSync(file) : undefined);
  const clientCertPair = tls?.clientCert && tls.clientKey ? { crt: read(tls.clientCert)!, key: read(tls.clientKey)! } : undefined;
  return {
    address: temporalAddress(config),
    tls: tls ? { serverRootCACertificate: read(tls.serverRootCACert), clientCertPair, serverNameOverride: tls.serverName } : apiKey ? true : undefined,
    apiKey,
  };
}

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(`cannot reach Temporal at ${address} (${(cause as Error).message}); is the server running? (npm start starts the embedded one; TEMPORAL_ADDRESS selects another)`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectClient(config: Config): Promise<Client> {
  const options = connectionOptions(config);
  const address = options.address;
  const connection = await Connection.connect(options).catch((error) => {
    throw new TemporalUnreachableError(address, error);
  });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/**
 * Workers wait for Temporal rather than exit: after a power cut the buffer host may boot before the Temporal
 * server does. Logs once per minute while waiting.
 */
export async function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  installTemporalRuntime(config.metrics.workerBindAddress);
  const options = connectionOptions(config);
  const address = options.address;
  for (let attempt = 0; ; attempt++) {
    try {
      return await NativeConnection.connect(options);
    } catch (error) {
      if (attempt % 12 === 0) logger.warn({ address, err: (error as Error).message }, 'waiting for the Temporal server');
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}

let runtimeInstalled = false;

/**
 * Routes the SDK's own log lines (worker state changes, task failures) into the project's JSON log, at warn
 * and above unless TEMPORAL_LOG_LEVEL says otherwise, and serves the SDK's worker metrics for Prometheus at
 * `metricsBindAddress` (config metrics.workerBindAddress). Must run before the first worker connection.
 */
function installTemporalRuntime(metricsBindAddress?: string): void {
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
    ...(metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress } } } } : {}),
  });
}

/** Starts a long-lived workflow of which there is one per id, unless it runs already (every worker asks at start). */
export async function ensureWorkflowRunning(client: Client, workflowType: string, workflowId: string, args: unknown[]): Promise<void> {
  await client.workflow.start(workflowType, { taskQueue: WORKFLOW_TASK_QUEUE, workflowId, workflowIdConflictPolicy: 'USE_EXISTING', args });
}
