/**
 * What pre-processing produces, as the workflow, the status query, the results table and bufferctl see it.
 * Plain data only (workflow code imports it).
 */

export interface FrameShift {
  frame: number;
  /** Pixels of the saved frames. */
  x: number;
  y: number;
}

export interface MotionResult {
  /** Where the shifts came from: MotionCor2 1.5.x or 1.6.x stdout, MotionCor3's `-Full.log`, RELION's STAR file. */
  generation: '1.5' | '1.6' | 'motioncor3' | 'relion';
  version?: string;
  shifts: FrameShift[];
  /** Path length of the trajectory, in pixels (the sum of frame-to-frame moves). */
  totalDrift: number;
  timings: { globalAlignmentSeconds?: number; totalSeconds?: number };
  /** Sums the tool reported writing. */
  sums: string[];
}

export interface CtfResult {
  version?: string;
  /** Å */
  defocus1: number;
  defocus2: number;
  /** Degrees. */
  azimuth: number;
  /** Radians (0 without a phase-shift search). */
  phaseShift: number;
  crossCorrelation: number;
  /** Å up to which Thon rings were fit; Infinity when the fit found none. */
  fitResolution: number;
  /** CTFFIND5's extra columns, when present. */
  tiltAxis?: number;
  tilt?: number;
  thickness?: number;
  /** Gctf's B-factor and validation score, when printed. */
  bfactor?: number;
  validationScore?: number;
}

export function totalDrift(shifts: FrameShift[]): number {
  let sum = 0;
  for (let i = 1; i < shifts.length; i++) {
    sum += Math.hypot(shifts[i]!.x - shifts[i - 1]!.x, shifts[i]!.y - shifts[i - 1]!.y);
  }
  return Number(sum.toFixed(3));
}

/** Frame-to-frame moves counted as early motion: beam-induced motion is largest in the first frames. */
export const EARLY_MOVES = 3;

/** The trajectory's length split into its first EARLY_MOVES moves and the rest, in pixels. */
export function earlyLateMotion(shifts: FrameShift[]): { early: number; late: number } {
  return { early: totalDrift(shifts.slice(0, EARLY_MOVES + 1)), late: totalDrift(shifts.slice(EARLY_MOVES)) };
}

/** The smaller difference between two axis angles, in degrees (0 and 180 are the same axis). */
export function axisDifference(a: number, b: number): number {
  const d = (((a - b) % 180) + 180) % 180;
  return Math.min(d, 180 - d);
}

/** Defocus difference in Å: what operators call astigmatism. */
export function astigmatism(ctf: Pick<CtfResult, 'defocus1' | 'defocus2'>): number {
  return Math.abs(ctf.defocus1 - ctf.defocus2);
}
