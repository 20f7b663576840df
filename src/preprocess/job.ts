/**
 * Pre-processing as the workflows see it: what a run is asked to do, and what the movie's status shows of it.
 * Plain data only (workflow code imports it).
 */
import type { CtfEngine, MotionEngine } from './engines.js';
import type { MovieFormat } from './motioncor2.js';

export interface PreprocessSettings {
  motionEngine: MotionEngine;
  ctfEngine: CtfEngine;
  /** One engine job longer than this is presumed hung: killed and tried once more. */
  timeoutMs: number;
}

/** One movie's run, as its child workflow receives it; engine settings come from the worker's config. */
export interface PreprocessMovieInput {
  movieWorkflowId: string;
  run: number;
  bufferHost: string;
  session: string;
  imageId: number;
  imageFilename: string;
  moviePath: string;
  format: MovieFormat;
  gainPath?: string;
  darkPath?: string;
  /** The corrector plan the reference copier wrote (turned like the frames). */
  defectPlanPath?: string;
  motionEngine: MotionEngine;
  ctfEngine: CtfEngine;
  timeoutMs: number;
  heartbeatTimeoutMs: number;
}

/** What an engine activity is handed: the run, minus the workflow's own bookkeeping. */
export type PreprocessJob = Omit<PreprocessMovieInput, 'motionEngine' | 'ctfEngine' | 'timeoutMs' | 'heartbeatTimeoutMs'>;

export interface MotionHeadline {
  engine: MotionEngine;
  version?: string;
  gpu?: number;
  frames: number;
  /** Pixels. */
  totalDrift: number;
  seconds: number;
  /** The sum CTF estimation runs on (not dose-weighted). */
  sum: string;
  outputDir: string;
  /** What became of the movie's corrector plan: how many defects were filled, or why none were. */
  defects?: string;
}

export interface CtfHeadline {
  engine: CtfEngine;
  version?: string;
  gpu?: number;
  /** Å */
  defocus1: number;
  defocus2: number;
  astigmatism: number;
  /** Å; null when the fit found no Thon rings (CTFFIND prints "inf"). */
  resolution: number | null;
  crossCorrelation: number;
  seconds: number;
}

/** What the gain sentinel found in one movie (src/preprocess/gainCheck.ts). */
export interface GainCheckHeadline {
  /** A wrong orientation, or defects the plan lacks: alerted. */
  problem: boolean;
  verdict: string;
}

export type PreprocessState = 'queued' | 'running' | 'done' | 'failed' | 'skipped';

export interface PreprocessSummary {
  run: number;
  state: PreprocessState;
  motion?: MotionHeadline;
  ctf?: CtfHeadline;
  /** Among a session's first movies only (preprocess.gainCheck.firstMovies). */
  gainCheck?: GainCheckHeadline;
  /** Why the run failed or was skipped. */
  error?: string;
}

export interface PreprocessStatus extends PreprocessSummary {
  engines: { motion: MotionEngine; ctf: CtfEngine };
  requestedBy?: string;
  startedAt?: string;
}

export interface ReprocessRequest {
  motionEngine?: MotionEngine;
  ctfEngine?: CtfEngine;
  by?: string;
}

const FORMATS: Record<string, MovieFormat> = { '.frames.tif': 'tif', '.frames.mrc': 'mrc', '.frames.eer': 'eer' };

/** The frame-stack format of a buffer movie, by its suffix; undefined for what no engine reads (DE folders). */
export function movieFormat(suffix: string): MovieFormat | undefined {
  return FORMATS[suffix];
}
