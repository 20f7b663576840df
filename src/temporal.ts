/** How every process reaches Temporal: the configured cluster, or the embedded dev server's port. */
import { Client, Connection } from '@temporalio/client';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import type { Config } from './config.js';
import { logger } from './logger.js';

export function temporalAddress(config: Config): string {
  return config.temporal.address ?? `127.0.0.1:${config.temporal.devServer.port}`;
}

export async function connectClient(config: Config): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress(config) });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export async function connectWorkerConnection(config: Config): Promise<NativeConnection> {
  installTemporalRuntime();
  return NativeConnection.connect({ address: temporalAddress(config) });
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
