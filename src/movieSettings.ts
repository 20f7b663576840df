import { durationMs, type Config } from './config.js';
import type { MovieSettings } from './movie.js';

/** The config values a movie's workflow needs, fixed at its start so its history shows what it ran with. */
export function movieSettings(config: Config): MovieSettings {
  return {
    lookBackDays: config.leginon.lookBackDays,
    leginonGraceMs: durationMs(config.leginon.grace),
    leginonLookupIntervalMs: durationMs(config.leginon.lookupInterval),
    expiryAfterMs: durationMs(config.expiry.after),
    heartbeatTimeoutMs: durationMs(config.activities.heartbeatTimeout),
    archiveInitialIntervalMs: durationMs(config.archiveRetry.initialInterval),
    archiveMaximumIntervalMs: durationMs(config.archiveRetry.maximumInterval),
  };
}
