/**
 * MotionCor2: the command line from a movie's imaging parameters, and its stdout parsed. Two stdout
 * generations exist: 1.5.x prints "Full-frame alignment shift" then "...... Frame (  n) shift:  dx  dy";
 * 1.6.x prints "Full-frame alignment" then a "Frame   x Shift   y Shift" table (frame 1, the reference, left out).
 */
import type { ImagingParameters } from './imaging.js';
import { totalDrift, type FrameShift, type MotionResult } from './results.js';

export type MovieFormat = 'tif' | 'mrc' | 'eer';

export interface MotionCor2Settings {
  patches: [number, number];
  iterations: number;
  tolerance: number;
  bfactor: [number, number];
  throw: number;
  trunc: number;
  eerSampling: number;
  extraArgs: string[];
}

export interface MotionCorrectionJob {
  moviePath: string;
  format: MovieFormat;
  /** Folder for this run's outputs; the sums are `<outputStem>_c.mrc` (and `_c_DW.mrc`) in it. */
  outputDir: string;
  outputStem: string;
  imaging: ImagingParameters;
  /** The gain (norm) reference already turned like the frames (the reference copier's `_mod` copy when needed). */
  gainPath?: string;
  darkPath?: string;
  /** Leginon's corrector plan as rectangles (src/preprocess/defects.ts), written beside the outputs. */
  defectFile?: string;
  /** EER only: the fractionation file written beside the outputs. */
  eerFractionFile?: string;
}

const INPUT_FLAG: Record<MovieFormat, string> = { tif: '-InTiff', mrc: '-InMrc', eer: '-InEer' };

export function motionCor2Sum(job: Pick<MotionCorrectionJob, 'outputDir' | 'outputStem'>): string {
  return `${job.outputDir}/${job.outputStem}_c.mrc`;
}

export function buildMotionCor2Args(job: MotionCorrectionJob, settings: MotionCor2Settings, gpu: number): string[] {
  return motionCorArgs(job, settings, gpu, { log: ['-LogFile', `${job.outputDir}/${job.outputStem}`], optics: ['-Cs', fixed(job.imaging.csMm, 2)] });
}

/**
 * The command line MotionCor2 and MotionCor3 share; `log` and `optics` are where they differ (how shifts are
 * logged, and Cs, which MotionCor3 also takes as "estimate the CTF").
 */
export function motionCorArgs(
  job: MotionCorrectionJob,
  settings: MotionCor2Settings,
  gpu: number,
  dialect: { log: string[]; optics: string[] },
): string[] {
  const { imaging } = job;
  const args = [
    INPUT_FLAG[job.format], job.moviePath,
    '-OutMrc', motionCor2Sum(job),
    ...dialect.log,
    '-PixSize', fixed(imaging.pixelSize, 4),
    '-kV', fixed(imaging.voltageKv, 0),
    ...dialect.optics,
    '-Patch', String(settings.patches[0]), String(settings.patches[1]),
    '-Iter', String(settings.iterations),
    '-Tol', String(settings.tolerance),
    '-Bft', String(settings.bfactor[0]), String(settings.bfactor[1]),
    '-Throw', String(settings.throw),
    '-Trunc', String(settings.trunc),
  ];
  if (imaging.dosePerFrame !== undefined) args.push('-FmDose', fixed(imaging.dosePerFrame, 4), '-InitDose', '0');
  // The gain reference is already in the frames' orientation, so MotionCor2 must not turn it again.
  if (job.gainPath) args.push('-Gain', job.gainPath, '-RotGain', '0', '-FlipGain', '0');
  if (job.darkPath) args.push('-Dark', job.darkPath);
  if (job.defectFile) args.push('-DefectFile', job.defectFile);
  if (job.format === 'eer') {
    args.push('-EerSampling', String(settings.eerSampling));
    if (job.eerFractionFile) args.push('-FmIntFile', job.eerFractionFile);
  }
  args.push(...settings.extraArgs, '-Gpu', String(gpu));
  return args;
}

/**
 * MotionCor2's `-FmIntFile` for EER: one line "<raw frames> <raw frames per rendered frame> <dose per raw frame>",
 * so each rendered frame carries `grouping` raw frames of the exposure.
 */
export function eerFractionFile(rawFrames: number, grouping: number, dosePerRawFrame: number): string {
  return `${rawFrames} ${grouping} ${fixed(dosePerRawFrame, 5)}\n`;
}

export const fixed = (value: number, digits: number) => String(Number(value.toFixed(digits)));

export class MotionLogError extends Error {}

export function parseMotionCor2Log(text: string): MotionResult {
  const lines = text.split(/\r?\n/);
  const shifts: FrameShift[] = [];
  let generation: MotionResult['generation'] | undefined;
  let inTable = false;
  for (const line of lines) {
    const old = /^\.\.\.\.\.\. Frame \(\s*(\d+)\) shift:\s+(-?[\d.]+)\s+(-?[\d.]+)/.exec(line);
    if (old) {
      generation = '1.5';
      shifts.push({ frame: Number(old[1]), x: Number(old[2]), y: Number(old[3]) });
      continue;
    }
    if (/^\s*Frame\s+x Shift\s+y Shift\s*$/.test(line)) {
      generation = '1.6';
      inTable = true;
      continue;
    }
    if (inTable) {
      const row = /^\s*(\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*$/.exec(line);
      if (row) shifts.push({ frame: Number(row[1]), x: Number(row[2]), y: Number(row[3]) });
      else inTable = false;
    }
  }
  if (!generation || shifts.length === 0) {
    throw new MotionLogError('MotionCor2 printed no full-frame shifts (the run failed before global alignment)');
  }
  // 1.6.x leaves out the reference frame it measured the others against; it sits at 0,0.
  if (generation === '1.6' && shifts[0]!.frame === 2) shifts.unshift({ frame: 1, x: 0, y: 0 });
  return { generation, shifts, totalDrift: totalDrift(shifts), ...motionCorStdout(text) };
}

/** What MotionCor2 and MotionCor3 both print besides shifts: version, timings, and each sum saved. */
export function motionCorStdout(text: string): Pick<MotionResult, 'version' | 'timings' | 'sums'> {
  const seconds = (pattern: RegExp) => {
    const match = pattern.exec(text);
    return match ? Number(match[1]) : undefined;
  };
  return {
    version: /MotionCor[23] version\s+([\w.-]+)/i.exec(text)?.[1],
    timings: {
      globalAlignmentSeconds: seconds(/Global shifts are corrected:\s*([\d.]+)\s*sec/),
      totalSeconds: seconds(/Total time:\s*([\d.]+)\s*sec/),
    },
    sums: [...text.matchAll(/Corrected sum has been saved in:\s*\n\s*(\S+)/g)].map((m) => m[1]!),
  };
}
