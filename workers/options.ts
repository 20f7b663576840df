/** What every worker of every role shares: where it connects and how it stops. */
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { durationMs, type Config } from '../src/config.js';

export function commonWorkerOptions(connection: NativeConnection, config: Config): Pick<WorkerOptions, 'connection' | 'namespace' | 'shutdownGraceTime'> {
  return { connection, namespace: config.temporal.namespace, shutdownGraceTime: durationMs(config.activities.shutdownGrace) };
}
