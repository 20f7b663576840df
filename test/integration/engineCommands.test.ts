import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { findImagingRows } from '../../src/leginondb.js';
import { ensureMariaDb, serverUrl } from '../../src/mariadb.js';
import { ctffindAnswers } from '../../src/preprocess/ctffind4.js';
import { buildGctfArgs } from '../../src/preprocess/gctf.js';
import { deriveImagingParameters } from '../../src/preprocess/imaging.js';
import { buildMotionCor2Args } from '../../src/preprocess/motioncor2.js';
import { buildRelionMotionArgs } from '../../src/preprocess/relion.js';
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
  });

  it('MotionCor2: pixel size from the calibration x binning, kV, Cs, dose per frame, the turned gain reference, its GPU', async () => {
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
