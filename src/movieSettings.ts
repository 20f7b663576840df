import { durationMs, preprocessingEnabled, type CameraConfig, type Config } from './config.js';
import type { MovieSettings } from './movie.js';
import type { PreprocessSettings } from './preprocess/job.js';

function preprocessSettings(config: Config): PreprocessSettings | undefined {
  const { motionCorrection, ctf, timeout } = config.preprocess;
  if (!preprocessingEnabled(config)) return undefined;
  return { motionEngine: motionCorrection.engine, ctfEngine: ctf.engine, timeoutMs: durationMs(timeout) };
}

/** The config values a movie's workflow needs, fixed at its start so its history shows what it ran with. */
export function movieSettings(config: Config, camera: CameraConfig): MovieSettings {
  return {
    lookBackDays: config.leginon.lookBackDays,
    leginonGraceMs: durationMs(config.leginon.grace),
    leginonLookupIntervalMs: durationMs(config.leginon.lookupInterval),
    expiryAfterMs: durationMs(config.expiry.after),
    heartbeatTimeoutMs: durationMs(config.activities.heartbeatTimeout),
    retryMaximumIntervalMs: durationMs(config.activities.maximumRetryInterval),
    archiveInitialIntervalMs: durationMs(config.archiveRetry.initialInterval),
    archiveMaximumIntervalMs: durationMs(config.archiveRetry.maximumInterval),
    freeCameraAfter: camera.freeAfter,
    preprocess: preprocessSettings(config),
    ...(config.leginon.destinationHead ? { claimBeforeCopy: true } : {}),
  };
}
