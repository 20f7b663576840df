/**
 * MotionCor3 (BSD-3; github:czimaginginstitute/MotionCor3, the open successor of MotionCor2): MotionCor2's command
 * line with the differences its source shows (1.0.1 to 1.2.3):
 * - `-LogDir <folder>/` instead of `-LogFile`: the full-frame shifts go to `<folder>/<movie name>-Full.log`
 *   (`-Patch-Full.log` with patches), not to stdout: `<folder>/<movie file name>` cut at its first ".mrc", else
 *   ".tif", else ".eer" (case-insensitive, the folder included).
 * - Cs doubles as a switch: above 0 (its default is 2.7) it fits the CTF of the sum and writes `<output>_Ctf.txt`
 *   and `_Ctf.mrc`; `-Cs 0` skips the fit.
 * - Every output name is the `-OutMrc` path cut at its first ".mrc" or ".st", anywhere in the path
 *   (case-insensitive): a folder such as `/data/cryo.storage/` would send the outputs elsewhere, so such paths
 *   are refused before it runs.
 * - `_Ctf.txt` has one '#' line naming 7 columns, then one row of 6 (no micrograph number; the phase shift in
 *   degrees, though the header says radians). Its older per-stack writer printed all 7, the phase in radians.
 */
import type { CtfSettings } from './ctffind4.js';
import { CtfOutputError } from './ctffind4.js';
import { fixed, motionCorArgs, motionCor2Sum, motionCorStdout, MotionLogError, type MotionCor2Settings, type MotionCorrectionJob } from './motioncor2.js';
import { totalDrift, type CtfResult, type FrameShift, type MotionResult } from './results.js';

/** `ctf`: fit the CTF too (the CTF engine is "motioncor3"); otherwise Cs 0 saves the GPU that work. */
export function buildMotionCor3Args(
  job: MotionCorrectionJob,
  settings: MotionCor2Settings,
  gpu: number,
  ctf?: Pick<CtfSettings, 'amplitudeContrast'>,
): string[] {
  const sum = motionCor2Sum(job);
  const stem = shiftLogStem(job);
  if (outputNameCut(sum) !== sum.length - '.mrc'.length || stem === undefined || stem.length <= job.outputDir.length + 1) {
    throw new MotionLogError(
      `MotionCor3 cuts its output and log names at the first ".mrc", ".st", ".tif" or ".eer" in their paths, and ${job.outputDir} has one: ` +
        'choose a preprocess.outputRoot without these in its folder names',
    );
  }
  const optics = ctf ? ['-Cs', fixed(job.imaging.csMm, 2), '-AmpCont', String(ctf.amplitudeContrast)] : ['-Cs', '0'];
  return motionCorArgs(job, settings, gpu, { log: ['-LogDir', `${job.outputDir}/`], optics });
}

/** Where MotionCor3 cuts an output path before adding its suffixes. */
function outputNameCut(outMrc: string): number {
  const lower = outMrc.toLowerCase();
  return Math.min(...['.mrc', '.st'].map((ext) => lower.indexOf(ext)).filter((at) => at >= 0), outMrc.length);
}

/** The shift logs MotionCor3 may write for this movie, the patch run's first. */
export function motionCor3ShiftLogs(job: Pick<MotionCorrectionJob, 'moviePath' | 'outputDir'>): string[] {
  const stem = shiftLogStem(job);
  return stem === undefined ? [] : [`${stem}-Patch-Full.log`, `${stem}-Full.log`];
}

/** `<LogDir>/<movie file name>` cut where MotionCor3 cuts it; undefined where it writes no log at all. */
function shiftLogStem(job: Pick<MotionCorrectionJob, 'moviePath' | 'outputDir'>): string | undefined {
  const full = `${job.outputDir}/${job.moviePath.split('/').at(-1)!}`;
  const lower = full.toLowerCase();
  const ext = ['.mrc', '.tif', '.eer'].find((candidate) => lower.includes(candidate));
  return ext === undefined ? undefined : full.slice(0, lower.indexOf(ext));
}

/** `<sum without .mrc>_Ctf.txt`: MotionCor3's CTF fit of the sum it wrote. */
export function motionCor3CtfFile(sum: string): string {
  return `${sum.slice(0, outputNameCut(sum))}_Ctf.txt`;
}

/** The shift log ("# ..." lines, then "frame x y" rows) and stdout of one run. */
export function parseMotionCor3Outputs(shiftLog: string, stdout: string): MotionResult {
  const shifts: FrameShift[] = [];
  for (const line of shiftLog.split(/\r?\n/)) {
    const row = /^\s*(\d+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*$/.exec(line);
    if (row) shifts.push({ frame: Number(row[1]), x: Number(row[2]), y: Number(row[3]) });
  }
  if (shifts.length === 0) throw new MotionLogError('MotionCor3 wrote a shift log without shifts (the run failed before global alignment)');
  return { generation: 'motioncor3', shifts, totalDrift: totalDrift(shifts), ...motionCorStdout(stdout) };
}

export function parseMotionCor3Ctf(text: string): CtfResult {
  const row = text.split(/\r?\n/).find((line) => line.trim() && !line.startsWith('#'));
  if (!row) throw new CtfOutputError("MotionCor3's _Ctf.txt has no result row: its CTF fit did not run to the end");
  const fields = row.trim().split(/\s+/).map(Number);
  if (fields.some(Number.isNaN) || (fields.length !== 6 && fields.length !== 7)) {
    throw new CtfOutputError(`MotionCor3's _Ctf.txt row is not 6 or 7 numbers: "${row.trim()}"`);
  }
  const [defocus1, defocus2, azimuth, phase, crossCorrelation, fitResolution] = fields.slice(-6) as [number, number, number, number, number, number];
  const phaseShift = fields.length === 6 ? (phase * Math.PI) / 180 : phase;
  return { defocus1, defocus2, azimuth, phaseShift: Number(phaseShift.toFixed(6)), crossCorrelation, fitResolution };
}
