/**
 * The buffer host's capacity check (bufferCapacity workflow, on `lookup@<host>`): usage against the watermarks, a loud
 * warning above the high one, and, with `capacity.expireEarly`, the `expireEarly` signal to the oldest archived
 * movies until the low watermark would be reached. Un-archived movies are never candidates.
 */
import type { Client } from '@temporalio/client';
import { diskSpace, expiringBytes, oldestArchivedMovies } from '../src/bufferInventory.js';
import { describeUsage, oldestFirstWindows, planEarlyExpiry, type CapacityReport, type ExpiryPlan } from '../src/capacity.js';
import { durationMs, type BufferHostConfig, type Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { SIGNALS } from '../src/operatorNames.js';

export function createCapacityActivities({ config, bufferHost, client, logger }: { config: Config; bufferHost: BufferHostConfig; client: Client; logger: Logger }) {
  const marks = { high: config.capacity.highWatermark, low: config.capacity.lowWatermark };
  return {
    async checkCapacity(): Promise<CapacityReport> {
      const usage = await diskSpace(bufferHost.root);
      let plan: ExpiryPlan = planEarlyExpiry(usage, [], marks);
      let expiredEarlyCount = 0;
      if (plan.aboveHigh) {
        const expiring = await expiringBytes(client, bufferHost.name);
        const wanted = planEarlyExpiry(usage, [], marks, expiring).bytesToFree;
        const windows = oldestFirstWindows(new Date(), durationMs(config.expiry.after));
        plan = planEarlyExpiry(usage, await oldestArchivedMovies(client, bufferHost.name, windows, { bytes: wanted }), marks, expiring);
        logger.error({ root: bufferHost.root, usedFraction: plan.usedFraction }, `buffer ${describeUsage(plan, marks)}`);
        if (config.capacity.expireEarly) {
          const reason = `buffer ${describeUsage(plan, marks)}`;
          for (const movie of plan.expire) {
            await client.workflow.getHandle(movie.workflowId).signal(SIGNALS.expireEarly, { reason, by: 'capacity' });
            expiredEarlyCount++;
          }
        }
      }
      return { at: new Date().toISOString(), usage, usedFraction: plan.usedFraction, aboveHigh: plan.aboveHigh, bytesToFree: plan.bytesToFree, expiredEarlyCount };
    },
  };
}

export type CapacityActivities = ReturnType<typeof createCapacityActivities>;
