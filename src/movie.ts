/**
 * The data a movie's workflow carries and reports. Shared by workflow, activities, watcher and bufferctl;
 * types and plain data only, so workflow code can import it.
 */
import type { Compression } from './compression.js';
import type { HoldScope } from './holds.js';
import type { MovieStage } from './operatorNames.js';
import type { PreprocessSettings, PreprocessStatus } from './preprocess/job.js';

export interface FileFingerprint {
  bytes: number;
  /** XXH3-64, 16 hex digits. */
  hash: string;
}

export interface SourceIdentity {
  bytes: number;
  mtimeMs: number;
}

/**
 * One file of a movie. Most movies are one file; a Falcon movie brings its `.xml` sidecar, and a DE movie is a
 * folder of frame files with an `info.txt`. Each part is named on the buffer and in the archive by the Leginon
 * image filename followed by its target suffix.
 */
export interface MoviePart {
  /** Path relative to the camera root, e.g. `20251125_0001.tif` or `20251125_0001/info.txt`. */
  source: string;
  /** `.frames.tif`, `.frames.xml`, `.frames/info.txt`, ... */
  targetSuffix: string;
}

export interface CopiedPart extends MoviePart {
  sourcePath: string;
  stagedPath: string;
  fingerprint: FileFingerprint;
  identity: SourceIdentity;
}

export interface PlacedPart {
  targetSuffix: string;
  path: string;
  /** Of the content: for a compressed archive copy, of what it decompresses to. */
  fingerprint: FileFingerprint;
  compression?: Compression;
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
  /** Absent in movies started before the setting existed: 1 minute. */
  retryMaximumIntervalMs?: number;
  /** Absent in movies started before the setting existed: they free the camera once copied. */
  freeCameraAfter?: 'copied' | 'archived';
  /** Absent when both engines are "none". */
  preprocess?: PreprocessSettings;
  /**
   * Set when a destination head is configured: the movie's Leginon image is asked for before anything is
   * copied, and another server's movie is left on the camera. Absent in movies started before: they copy first.
   */
  claimBeforeCopy?: boolean;
}

export interface IngestMovieInput {
  cameraHost: string;
  bufferHost: string;
  archiveTarget: string;
  /** The camera entry's name inside the camera share's root: a movie file, or a DE frames folder. */
  fileName: string;
  framesName: string;
  /** `.frames.tif`, `.frames.mrc`, `.frames.eer`, or `.frames` for a DE folder. */
  suffix: string;
  settings: MovieSettings;
}

export interface HoldInfo {
  /** What the hold was placed on: this movie, its session, its buffer host, or everything. */
  scope: HoldScope;
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
  /** The main part's content (for a DE folder: its largest file). */
  fingerprint?: FileFingerprint & { algorithm: string };
  partCount?: number;
  /** Every part's content, when the movie has few enough to carry inline (src/parts.ts); else in a manifest file. */
  parts?: { targetSuffix: string; bytes: number; hash: string }[];
  /** Reference files (in `references/` beside the frames) the movie was taken with. */
  references?: { norm?: string; dark?: string; defectPlan?: string };
  /** The main part's path; other parts lie beside it. */
  buffer?: { path: string };
  archive?: { path: string; sameAsBuffer?: boolean; verifiedAt?: string };
  /** The first hold in force (kept for display); `holds` lists them all. */
  hold?: HoldInfo;
  holds?: HoldInfo[];
  /** ISO time each stage was entered. */
  stageTimes: Partial<Record<MovieStage, string>>;
  /** Attempts the last run of each activity needed (1 = first try). */
  attempts: Record<string, number>;
  lastError?: { stage: MovieStage; message: string; at: string };
  expiresAt?: string;
  /** The latest pre-processing run (motion correction, then CTF); it never holds up archive or expiry. */
  preprocess?: PreprocessStatus;
  /** Things an operator should know that did not stop the movie (kept-both conflicts, changed camera files). */
  warnings: string[];
}
