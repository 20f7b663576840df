import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { ensureRelionInstalled, RELION_MOTIONCORR } from '../../src/debianPackages.js';
import { findImagingRows } from '../../src/leginondb.js';
import { ensureMariaDb, serverUrl } from '../../src/mariadb.js';
import { encodeMrcStack, readMrc } from '../../src/mrc.js';
import { ctffindAnswers } from '../../src/preprocess/ctffind4.js';
import { defectFileText } from '../../src/preprocess/defects.js';
import { buildGctfArgs } from '../../src/preprocess/gctf.js';
import { deriveImagingParameters } from '../../src/preprocess/imaging.js';
import { buildMotionCor2Args } from '../../src/preprocess/motioncor2.js';
import { buildRelionMotionArgs, parseRelionMicrographList, RELION_MICROGRAPH_LIST } from '../../src/preprocess/relion.js';
import { prepareSimulatedFacility, type SimulatedFacility } from '../../src/simulator/facility.js';
import { TEST_MARIADB } from '../helpers/harness.js';

/** Engine command lines built from a movie's rows in a leginondb fixture (MariaDB, Leginon's names and units). */
describe('engine command lines from leginondb', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cryo-buffer-commands-'));
  const url = new URL(`cryo_buffer_test_commands_${process.pid}`, TEST_MARIADB).toString();
  let facility: SimulatedFacility;
  let imageId: number;

  before(async () => {
    await ensureMariaDb(TEST_MARIADB);
    facility = await prepareSimulatedFacility({ baseDir: dir, leginondbUrl: url, freshDatabase: true, sessionName: '25nov25a' });
    await facility.microscope.recordImage('20251125_12000001', '25nov25a_00001hln_00001esn');
    const [rows] = await facility.db.query<RowDataPacket[]>('SELECT `DEF_id` AS id FROM `AcquisitionImageData` WHERE `filename` = ?', ['25nov25a_00001hln_00001esn']);
    imageId = Number(rows[0]!.id);
  });
  after(async () => {
    await facility?.db.end();
    const admin = await mysql.createConnection({ uri: serverUrl(url) });
    await admin.query(`DROP DATABASE IF EXISTS \`cryo_buffer_test_commands_${process.pid}\``);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  const job = async () => ({
    moviePath: '/buffer/frames/25nov25a/rawdata/25nov25a_00001hln_00001esn.frames.tif',
    format: 'tif' as const,
    outputDir: '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1',
    outputStem: '25nov25a_00001hln_00001esn',
    imaging: deriveImagingParameters((await findImagingRows(facility.db, imageId))!),
    gainPath: '/buffer/frames/25nov25a/rawdata/references/25nov25a_ref_norm_0_mod.mrc',
    darkPath: '/buffer/frames/25nov25a/rawdata/references/25nov25a_ref_dark_0_mod.mrc',
    defectFile: '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1/25nov25a_00001hln_00001esn_defects.txt',
  });

  it('MotionCor2: pixel size from the calibration x binning, kV, Cs, dose per frame, the turned gain reference, the defect file, its GPU', async () => {
    const settings = { patches: [5, 5] as [number, number], iterations: 7, tolerance: 0.5, bfactor: [500, 100] as [number, number], throw: 0, trunc: 0, eerSampling: 1, extraArgs: [] };
    assert.deepEqual(buildMotionCor2Args(await job(), settings, 1), [
      '-InTiff', '/buffer/frames/25nov25a/rawdata/25nov25a_00001hln_00001esn.frames.tif',
      '-OutMrc', '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1/25nov25a_00001hln_00001esn_c.mrc',
      '-LogFile', '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1/25nov25a_00001hln_00001esn',
      '-PixSize', '1.06',
      '-kV', '300',
      '-Cs', '2.7',
      '-Patch', '5', '5',
      '-Iter', '7',
      '-Tol', '0.5',
      '-Bft', '500', '100',
      '-Throw', '0',
      '-Trunc', '0',
      '-FmDose', '1.25', '-InitDose', '0',
      '-Gain', '/buffer/frames/25nov25a/rawdata/references/25nov25a_ref_norm_0_mod.mrc', '-RotGain', '0', '-FlipGain', '0',
      '-Dark', '/buffer/frames/25nov25a/rawdata/references/25nov25a_ref_dark_0_mod.mrc',
      '-DefectFile', '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1/25nov25a_00001hln_00001esn_defects.txt',
      '-Gpu', '1',
    ]);
  });

  it("RELION's CPU engine: runs in the movie's folder on its bare name", async () => {
    const relion = buildRelionMotionArgs(await job(), { patches: [1, 1], bfactor: 150, threads: 2, eerGrouping: 40, extraArgs: [] });
    assert.equal(relion.cwd, '/buffer/frames/25nov25a/rawdata');
    assert.deepEqual(relion.args, [
      '--i', '25nov25a_00001hln_00001esn.frames.tif',
      '--o', '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1/',
      '--use_own', '--j', '2', '--bin_factor', '1', '--bfactor', '150', '--patch_x', '1', '--patch_y', '1',
      '--angpix', '1.06', '--voltage', '300',
      '--dose_weighting', '--dose_per_frame', '1.25', '--preexposure', '0', '--save_noDW',
      '--gainref', '/buffer/frames/25nov25a/rawdata/references/25nov25a_ref_norm_0_mod.mrc', '--gain_rot', '0', '--gain_flip', '0',
      '--defect_file', '/buffer/preprocess/25nov25a/25nov25a_00001hln_00001esn/run-1/25nov25a_00001hln_00001esn_defects.txt',
    ]);
  });

  it('Gctf and CTFFIND4 get the same optics', async () => {
    const { imaging } = await job();
    const ctf = { micrograph: '/out/m_c.mrc', diagnostic: '/out/m_ctffind4.mrc', imaging };
    const settings = { amplitudeContrast: 0.1, boxSize: 512, minResolution: 30, maxResolution: 5, minDefocus: 5000, maxDefocus: 50000, defocusStep: 500, astigmatismTolerance: 100 };
    assert.deepEqual(buildGctfArgs(ctf, settings, 0), [
      '--apix', '1.06', '--kV', '300', '--Cs', '2.7', '--ac', '0.1', '--boxsize', '512', '--resL', '30', '--resH', '5',
      '--defL', '5000', '--defH', '50000', '--defS', '500', '--astm', '100', '--do_EPA', '1', '--gid', '0', '/out/m_c.mrc',
    ]);
    const answers = new Map(ctffindAnswers(ctf, settings).map(([pattern, answer]) => [pattern.source, answer]));
    assert.equal(answers.get('^pixel size'), '1.06');
    assert.equal(answers.get('^acceleration voltage'), '300');
    assert.equal(answers.get('^spherical aberration'), '2.7');
  });

  it('a movie without a pixel-size calibration gets a message naming the missing row', async () => {
    await facility.db.query('DELETE FROM `PixelSizeCalibrationData`');
    const rows = await findImagingRows(facility.db, imageId);
    assert.throws(() => deriveImagingParameters(rows!), /PixelSizeCalibrationData `pixelsize` for magnification 105000/);
  });
});

describe("RELION's CPU engine reads the defect file as written", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cryo-buffer-defects-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A 96 px movie with a bad column at x = 5 reading 1.5 counts high: too faint for RELION's own hot-pixel search. */
  const width = 96;
  const height = 96;
  // Uniform noise from a seeded xorshift, so every run sees the same movie.
  let state = 2_463_534_242;
  const noise = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 2 ** 32) * 4;
  };
  const frames = Array.from({ length: 6 }, () => Float32Array.from({ length: width * height }, (_, i) => 10 + noise() + (i % width === 5 ? 1.5 : 0)));
  writeFileSync(path.join(dir, 'movie.mrcs'), encodeMrcStack({ width, height, frames }));

  /**
   * How much brighter than the median column the sum is around x = 5, summed over columns 2-9: alignment spreads
   * the bad column over its neighbours, but keeps its total (6 frames x 1.5 = 9 counts).
   */
  async function excessAroundBadColumn(run: string, defectFile?: string): Promise<number> {
    const job = { moviePath: path.join(dir, 'movie.mrcs'), format: 'mrc' as const, outputDir: path.join(dir, run), outputStem: 'movie', imaging: { voltageKv: 300, csMm: 2.7, pixelSize: 1 }, defectFile };
    const relion = buildRelionMotionArgs(job, { patches: [1, 1], bfactor: 150, threads: 1, eerGrouping: 40, extraArgs: [] });
    await execa(RELION_MOTIONCORR, relion.args, { cwd: relion.cwd });
    const listed = parseRelionMicrographList(readFileSync(path.join(dir, run, RELION_MICROGRAPH_LIST), 'utf8'));
    const sum = await readMrc(path.resolve(relion.cwd, listed.sum));
    const columns = Array.from({ length: sum.width }, (_, x) => {
      let total = 0;
      for (let y = 0; y < sum.height; y++) total += sum.pixels[y * sum.width + x]!;
      return total / sum.height;
    });
    const median = [...columns].sort((a, b) => a - b)[Math.floor(columns.length / 2)]!;
    return columns.slice(2, 10).reduce((total, column) => total + column - median, 0);
  }

  it('fills the bad column the plan names, which RELION alone leaves in the sum', async () => {
    await ensureRelionInstalled();
    const defects = path.join(dir, 'movie_defects.txt');
    writeFileSync(defects, defectFileText({ badColumns: [5], badRows: [], badPixels: [] }, { width, height }).text);
    const plain = await excessAroundBadColumn('plain');
    const filled = await excessAroundBadColumn('with-defects', defects);
    assert.ok(plain > 6, `without the defect file the bad column stays (${plain.toFixed(1)} counts)`);
    assert.ok(Math.abs(filled) < 2.5, `with it the bad column is filled (${filled.toFixed(1)} counts left)`);
  });
});
