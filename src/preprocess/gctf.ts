/**
 * Gctf: command line and log. Readers of Gctf output (RELION, Scipion, Appion) rely on one line ending in
 * "Final Values" (DefocusU DefocusV Angle [PhaseShift] CCC) and, with --do_EPA, "Resolution limit estimated by
 * EPA: <Å>"; terminal colour codes may surround the numbers.
 */
import type { CtfJob, CtfSettings } from './ctffind4.js';
import { CtfOutputError } from './ctffind4.js';
import type { CtfResult } from './results.js';

export function buildGctfArgs(job: CtfJob, settings: CtfSettings, gpu: number): string[] {
  const args = [
    '--apix', String(job.imaging.pixelSize),
    '--kV', String(job.imaging.voltageKv),
    '--Cs', String(job.imaging.csMm),
    '--ac', String(settings.amplitudeContrast),
    '--boxsize', String(settings.boxSize),
    '--resL', String(settings.minResolution),
    '--resH', String(settings.maxResolution),
    '--defL', String(settings.minDefocus),
    '--defH', String(settings.maxDefocus),
    '--defS', String(settings.defocusStep),
    '--astm', String(settings.astigmatismTolerance),
    '--do_EPA', '1',
  ];
  if (settings.phaseShift) {
    const degrees = (radians: number) => String(Number(((radians * 180) / Math.PI).toFixed(2)));
    args.push('--phase_shift_L', degrees(settings.phaseShift.min), '--phase_shift_H', degrees(settings.phaseShift.max), '--phase_shift_S', degrees(settings.phaseShift.step));
  }
  args.push('--gid', String(gpu), job.micrograph);
  return args;
}

const ANSI = /\u001b\[[0-9;]*m/g;

export function parseGctfLog(text: string): CtfResult {
  const lines = text.replace(ANSI, '').split(/\r?\n/);
  const final = lines.filter((line) => /Final Values\s*$/.test(line)).at(-1);
  if (!final) throw new CtfOutputError('Gctf printed no "Final Values" line: the fit did not finish (see its log)');
  const values = final.trim().split(/\s+/).slice(0, -2).map(Number);
  if (values.length < 4 || values.some(Number.isNaN)) throw new CtfOutputError(`Gctf's Final Values line is malformed: "${final.trim()}"`);
  const withPhase = values.length >= 5;
  const lastNumber = (pattern: RegExp) => {
    const line = lines.filter((l) => pattern.test(l)).at(-1);
    const number = line?.trim().split(/\s+/).map(Number).filter((n) => !Number.isNaN(n)).at(-1);
    return number;
  };
  return {
    version: /Gctf[-_ ]?v?(\d+\.\d+\w*)/i.exec(text)?.[1],
    defocus1: values[0]!,
    defocus2: values[1]!,
    azimuth: values[2]!,
    // Gctf prints the phase shift in degrees; results keep CTFFIND's radians.
    phaseShift: withPhase ? (values[3]! * Math.PI) / 180 : 0,
    crossCorrelation: values[withPhase ? 4 : 3]!,
    fitResolution: lastNumber(/Resolution limit estimated by EPA:/) ?? Infinity,
    bfactor: lastNumber(/Estimated Bfactor:/),
    validationScore: lastNumber(/OVERALL_VALIDATION_SCORE:/),
  };
}
