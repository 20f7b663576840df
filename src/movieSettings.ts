import { durationMs, preprocessingEnabled, type CameraConfig, type Config } from './config.js';
import type { MovieSettings } from './movie.js';
import type { PreprocessSettings } from './preprocess/job.js';

function preprocessSettings(config: Config): PreprocessSettings | undefined {
  const { motionCorrection, ctf, timeout } = config.preprocess;
  if (!preprocessingEnabled(config)) return undefined;
  return { motionEngine: motionCorrection.engine, ctfEngine: ctf.engine, timeoutMs: durationMs(timeout) };
}

/** Expiry spread is at most this share of the expiry itself (a test's 2 s expiry gets 0.1 s). */
const MAX_SPREAD_SHARE = 0.05;

/** The movie's own expiry: `expiry.after` plus a share of `expiry.spread` that its id fixes (FNV-1a), the same at every start. */
export function expiryAfterMs(config: Config, workflowId: string): number {
  const after = durationMs(config.expiry.after);
  const spread = Math.min(durationMs(config.expiry.spread), after * MAX_SPREAD_SHARE);
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(workflowId)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return after + Math.floor((hash / 2 ** 32) * spread);
}

/** The config values a movie's workflow needs, fixed at its start so its history shows what it ran with. */
export function movieSettings(config: Config, camera: CameraConfig, workflowId: string): MovieSettings {
  return {
    lookBackDays: config.leginon.lookBackDays,
    leginonGraceMs: durationMs(config.leginon.grace),
    leginonLookupIntervalMs: durationMs(config.leginon.lookupInterval),
    expiryAfterMs: expiryAfterMs(config, workflowId),
    heartbeatTimeoutMs: durationMs(config.activities.heartbeatTimeout),
    retryMaximumIntervalMs: durationMs(config.activities.maximumRetryInterval),
    archiveInitialIntervalMs: durationMs(config.archiveRetry.initialInterval),
    archiveMaximumIntervalMs: durationMs(config.archiveRetry.maximumInterval),
    freeCameraAfter: camera.freeAfter,
    preprocess: preprocessSettings(config),
    ...(config.leginon.destinationHead ? { claimBeforeCopy: true } : {}),
  };
}
