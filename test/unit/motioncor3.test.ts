import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CtfOutputError } from '../../src/preprocess/ctffind4.js';
import { MotionLogError, type MotionCorrectionJob } from '../../src/preprocess/motioncor2.js';
import { buildMotionCor3Args, motionCor3CtfFile, motionCor3ShiftLogs, parseMotionCor3Ctf, parseMotionCor3Outputs } from '../../src/preprocess/motioncor3.js';

/** printf formats of MotionCor3 1.2.x (Align/CFullAlign.cpp LogShift, CSaveSerialCryoEM.cpp mSaveCtfFit). */
const c = (format: string, ...values: number[]) => {
  let i = 0;
  return format.replace(/%(\d+)(?:\.(\d+))?([df])/g, (_, width: string, digits: string | undefined, kind: string) => {
    const value = values[i++]!;
    return (kind === 'd' ? String(value) : value.toFixed(Number(digits))).padStart(Number(width));
  });
};
const CTF_HEADER =
  '# Columns: #1 micrograph number; #2 - defocus 1 [A]; #3 - defocus 2; #4 - azimuth of astigmatism; #5 - additional phase shift [radian]; ' +
  '#6 - cross correlation; #7 - spacing (in Angstroms) up to which CTF rings were fit successfully\n';

const job: MotionCorrectionJob = {
  moviePath: '/buffer/frames/25nov25a/rawdata/25nov25a_00001hln_00001esn.frames.tif',
  format: 'tif',
  outputDir: '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1',
  outputStem: '25nov25a_00001hln_00001esn',
  imaging: { pixelSize: 1.06, voltageKv: 300, csMm: 2.7, dosePerFrame: 1.25 },
};
const settings = { patches: [1, 1] as [number, number], iterations: 7, tolerance: 0.5, bfactor: [500, 100] as [number, number], throw: 0, trunc: 0, eerSampling: 1, extraArgs: [] };
const flag = (args: string[], name: string) => args.slice(args.indexOf(name) + 1, args.indexOf(name) + 3);

describe('MotionCor3 (formats from its source, czimaginginstitute/MotionCor3 1.0.1-1.2.3)', () => {
  it('logs to a folder, and Cs switches its CTF fit: 0 without, the optics and amplitude contrast with', () => {
    const without = buildMotionCor3Args(job, settings, 2);
    assert.deepEqual(without.slice(0, 6), ['-InTiff', job.moviePath, '-OutMrc', `${job.outputDir}/${job.outputStem}_c.mrc`, '-LogDir', `${job.outputDir}/`]);
    assert.ok(!without.includes('-LogFile'));
    assert.deepEqual(flag(without, '-Cs'), ['0', '-Patch']);
    const withCtf = buildMotionCor3Args(job, settings, 2, { amplitudeContrast: 0.07 });
    assert.deepEqual(withCtf.slice(withCtf.indexOf('-Cs'), withCtf.indexOf('-Cs') + 4), ['-Cs', '2.7', '-AmpCont', '0.07']);
    assert.deepEqual(withCtf.slice(-2), ['-Gpu', '2']);
  });

  it('refuses an output folder it would cut short (".st" or ".mrc" anywhere in the path), before running', () => {
    for (const outputDir of ['/data/cryo.storage/pre/25nov25a/x/run-1', '/buffer/old.mrcs/25nov25a/x/run-1', '/buffer/pre.tif/x/run-1']) {
      assert.throws(() => buildMotionCor3Args({ ...job, outputDir }, settings, 0), MotionLogError, outputDir);
    }
  });

  it('finds its shift logs where it writes them: the movie name cut at ".tif" (".mrc", ".eer")', () => {
    assert.deepEqual(motionCor3ShiftLogs(job), [
      `${job.outputDir}/25nov25a_00001hln_00001esn.frames-Patch-Full.log`,
      `${job.outputDir}/25nov25a_00001hln_00001esn.frames-Full.log`,
    ]);
    assert.deepEqual(motionCor3ShiftLogs({ ...job, moviePath: '/b/movie.frames.EER' })[1], `${job.outputDir}/movie.frames-Full.log`);
  });

  it('reads the full-frame and the patch run\'s shift logs, and the sums it reports on stdout', () => {
    const rows = [[0, 0], [0.41, -0.27], [0.83, -0.52], [1.22, -0.8]].map(([x, y], i) => c('%4d  %8.2f  %8.2f\n', i + 1, x!, y!)).join('');
    const stdout = `Corrected sum has been saved in:\n   ${job.outputDir}/x_c.mrc\n\nTotal time: 12.345678 sec\n`;
    const full = parseMotionCor3Outputs(`# full frame alignment\n${rows}`, stdout);
    assert.equal(full.generation, 'motioncor3');
    assert.equal(full.shifts.length, 4);
    assert.deepEqual(full.shifts[1], { frame: 2, x: 0.41, y: -0.27 });
    assert.equal(full.totalDrift, 1.46);
    assert.deepEqual(full.sums, [`${job.outputDir}/x_c.mrc`]);
    assert.equal(full.timings.totalSeconds, 12.345678);
    const patch = parseMotionCor3Outputs(`# Patch based alignment\n# Initial alignment based upon full frames\n\n${rows}`, stdout);
    assert.deepEqual(patch.shifts, full.shifts);
    assert.throws(() => parseMotionCor3Outputs('# full frame alignment\n', stdout), MotionLogError);
  });

  it("reads its _Ctf.txt beside the sum: 6 numbers (phase in degrees), or the older writer's 7 (numbered, phase in radians)", () => {
    assert.equal(motionCor3CtfFile(`${job.outputDir}/x_c.mrc`), `${job.outputDir}/x_c_Ctf.txt`);
    const current = parseMotionCor3Ctf(CTF_HEADER + c(' %9.2f  %9.2f  %7.2f  %7.2f  %9.5f  %8.4f\n', 15321.44, 15012.07, 43.79, 90, 0.10422, 3.4641));
    assert.deepEqual(current, { defocus1: 15321.44, defocus2: 15012.07, azimuth: 43.79, phaseShift: 1.570796, crossCorrelation: 0.10422, fitResolution: 3.4641 });
    const older = parseMotionCor3Ctf(CTF_HEADER + c('%4d   %6.2f  %8.2f  %8.2f  %8.2f  %7.2f  %8.4f\n', 1, 15321.44, 15012.07, 43.79, 1.57, 0.1, 3.4641));
    assert.equal(older.phaseShift, 1.57);
    assert.equal(older.defocus1, 15321.44);
    assert.throws(() => parseMotionCor3Ctf(CTF_HEADER), CtfOutputError);
  });
});
