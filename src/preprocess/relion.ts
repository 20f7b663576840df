/**
 * RELION's own CPU implementation of the MotionCor2 algorithm (`relion_run_motioncorr --use_own`): the engine
 * that runs on machines without a GPU. RELION names outputs after the input path as given (and turns dots into
 * underscores), so it runs in the movie's folder on the movie's bare name, and the outputs are read from the
 * list it writes: `<outputDir>/corrected_micrographs.star`.
 */
import path from 'node:path';
import type { MotionCorrectionJob } from './motioncor2.js';
import { totalDrift, type FrameShift, type MotionResult } from './results.js';

export interface RelionMotionSettings {
  patches: [number, number];
  /** RELION takes one B-factor (the first of MotionCor2's pair). */
  bfactor: number;
  threads: number;
  eerGrouping: number;
  extraArgs: string[];
}

export const RELION_MICROGRAPH_LIST = 'corrected_micrographs.star';

export function buildRelionMotionArgs(job: MotionCorrectionJob, settings: RelionMotionSettings): { cwd: string; args: string[] } {
  const { imaging } = job;
  const args = [
    '--i', path.basename(job.moviePath),
    '--o', `${job.outputDir.replace(/\/+$/, '')}/`,
    '--use_own',
    '--j', String(settings.threads),
    '--bin_factor', '1',
    '--bfactor', String(settings.bfactor),
    '--patch_x', String(settings.patches[0]),
    '--patch_y', String(settings.patches[1]),
    '--angpix', String(imaging.pixelSize),
    '--voltage', String(imaging.voltageKv),
  ];
  if (imaging.dosePerFrame !== undefined) {
    args.push('--dose_weighting', '--dose_per_frame', String(imaging.dosePerFrame), '--preexposure', '0', '--save_noDW');
  }
  // Already turned like the frames (the reference copier's `_mod` copy when Leginon saved frames turned).
  if (job.gainPath) args.push('--gainref', job.gainPath, '--gain_rot', '0', '--gain_flip', '0');
  if (job.defectFile) args.push('--defect_file', job.defectFile);
  if (job.format === 'eer') args.push('--eer_grouping', String(settings.eerGrouping));
  args.push(...settings.extraArgs);
  return { cwd: path.dirname(job.moviePath), args };
}

export class RelionStarError extends Error {}

/** One STAR loop as rows of named fields; undefined when the block is absent. */
function starLoop(text: string, block: string): Record<string, string>[] | undefined {
  const match = new RegExp(`data_${block}\\s*\\n\\s*loop_\\s*\\n((?:\\s*_rln\\w+[^\\n]*\\n)+)([\\s\\S]*?)(?:\\n\\s*\\n|\\n#|$)`).exec(text);
  if (!match) return undefined;
  const columns = [...match[1]!.matchAll(/_rln(\w+)/g)].map((m) => m[1]!);
  return match[2]!
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= columns.length)
    .map((fields) => Object.fromEntries(columns.map((column, i) => [column, fields[i]!])));
}

/** The sum and the per-movie STAR file RELION lists for the (one) movie of a run. */
export function parseRelionMicrographList(text: string): { sum: string; star: string } {
  const row = starLoop(text, 'micrographs')?.[0];
  if (!row?.MicrographName || !row.MicrographMetadata) throw new RelionStarError(`RELION listed no corrected micrograph in ${RELION_MICROGRAPH_LIST}`);
  return { sum: row.MicrographName, star: row.MicrographMetadata };
}

/** Parses RELION's per-movie STAR file: the `data_global_shift` loop, in pixels of the saved frames. */
export function parseRelionMotionStar(text: string, sum: string): MotionResult {
  const rows = starLoop(text, 'global_shift');
  if (!rows) throw new RelionStarError('RELION wrote no global shifts (no data_global_shift block)');
  const shifts: FrameShift[] = rows
    .filter((row) => /^\d+$/.test(row.MicrographFrameNumber ?? ''))
    .map((row) => ({ frame: Number(row.MicrographFrameNumber), x: Number(row.MicrographShiftX), y: Number(row.MicrographShiftY) }));
  if (shifts.length === 0 || shifts.some((s) => Number.isNaN(s.x) || Number.isNaN(s.y))) {
    throw new RelionStarError('RELION wrote an empty or unreadable data_global_shift loop');
  }
  return { generation: 'relion', shifts, totalDrift: totalDrift(shifts), timings: {}, sums: [sum] };
}
