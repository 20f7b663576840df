/**
 * The data a movie's workflow carries and reports. Shared by workflow, activities, watcher and bufferctl;
 * types and plain data only, so workflow code can import it.
 */
import type { MovieStage } from './operatorNames.js';

export interface FileFingerprint {
  bytes: number;
  /** XXH3-64, 16 hex digits. */
  hash: string;
}

export interface SourceIdentity {
  bytes: number;
  mtimeMs: number;
}

/** Durations in milliseconds, fixed when the movie's workflow starts (visible in its history). */
export interface MovieSettings {
  lookBackDays: number;
  leginonGraceMs: number;
  leginonLookupIntervalMs: number;
  expiryAfterMs: number;
  heartbeatTimeoutMs: number;
  archiveInitialIntervalMs: number;
  archiveMaximumIntervalMs: number;
}

export interface IngestMovieInput {
  cameraHost: string;
  bufferHost: string;
  archiveTarget: string;
  /** The camera file's name inside the camera share's root. */
  fileName: string;
  framesName: string;
  /** `.frames.tif`, `.frames.mrc` or `.frames.eer`. */
  suffix: string;
  settings: MovieSettings;
}

export interface HoldInfo {
  reason: string;
  by: string;
  since: string;
}

export interface MovieStatus {
  stage: MovieStage;
  /** Why the movie is parked or waiting, in words an operator can act on. */
  detail?: string;
  cameraHost: string;
  bufferHost: string;
  archiveTarget: string;
  camera: {
    fileName: string;
    framesName: string;
    /** Where the camera file is now (it moves to the holding folder when Leginon never recorded it). */
    path?: string;
    bytes?: number;
    mtimeMs?: number;
    freed?: boolean;
    /** Set when the file was moved to the holding folder or deleted from the camera for want of a Leginon row. */
    setAside?: string;
  };
  leginon?: { session: string; imageClass: string; imageId: number; filename: string };
  lookups: number;
  fingerprint?: FileFingerprint & { algorithm: string };
  buffer?: { path: string };
  archive?: { path: string; sameAsBuffer?: boolean; verifiedAt?: string };
  hold?: HoldInfo;
  /** ISO time each stage was entered. */
  stageTimes: Partial<Record<MovieStage, string>>;
  /** Attempts the last run of each activity needed (1 = first try). */
  attempts: Record<string, number>;
  lastError?: { stage: MovieStage; message: string; at: string };
  expiresAt?: string;
  /** Things an operator should know that did not stop the movie (kept-both conflicts, changed camera files). */
  warnings: string[];
}
