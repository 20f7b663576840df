/**
 * storageHealth: probes one archive target from one buffer host on a schedule, forever, and answers the `health`
 * query (what `bufferctl status` shows). Continues as new every few hundred probes so its history stays small
 * through outages of any length. Archive copies on that host are gated on the same probes (activities/archive.ts).
 */
import { ActivityFailure, continueAsNew, defineQuery, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { ArchiveActivities } from '../activities/archive.js';
import { archiveProbeTaskQueue, QUERIES } from '../src/operatorNames.js';
import { INITIAL_HEALTH, recordProbe, type TargetHealth } from '../src/storageHealth.js';

export interface StorageHealthInput {
  target: string;
  bufferHost: string;
  intervalMs: number;
  timeoutMs: number;
  /** Carried over by continue-as-new. */
  health?: TargetHealth;
}

export const healthQuery = defineQuery<TargetHealth>(QUERIES.health);

const PROBES_PER_RUN = 200;

export async function storageHealth(input: StorageHealthInput): Promise<never> {
  let health = input.health ?? INITIAL_HEALTH;
  setHandler(healthQuery, () => health);
  const { probeArchiveTarget } = proxyActivities<ArchiveActivities>({
    taskQueue: archiveProbeTaskQueue(input.target, input.bufferHost),
    // A probe nobody picks up (archive worker down) or that hangs is a failed probe, not a stuck workflow.
    scheduleToCloseTimeout: input.intervalMs + input.timeoutMs + 5_000,
    retry: { maximumAttempts: 1 },
  });
  for (let probe = 0; probe < PROBES_PER_RUN; probe++) {
    const started = Date.now();
    try {
      health = recordProbe(health, await probeArchiveTarget());
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const problem = `no probe result (is the archive worker of ${input.bufferHost} running?): ${error.cause?.message ?? error.message}`;
      health = recordProbe(health, { at: new Date().toISOString(), ok: false, problem, responseMs: Date.now() - started });
    }
    await sleep(input.intervalMs);
  }
  return continueAsNew<typeof storageHealth>({ ...input, health });
}
