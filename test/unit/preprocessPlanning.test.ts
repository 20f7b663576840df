import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config.js';
import { ensureGpuLockDir } from '../../src/preprocess/gpuLock.js';
import { GpuPool } from '../../src/preprocess/gpuPool.js';
import { deriveImagingParameters, ImagingParameterError, type ImagingRows } from '../../src/preprocess/imaging.js';
import { movieFormat } from '../../src/preprocess/job.js';
import { eerFractionFile } from '../../src/preprocess/motioncor2.js';
import { resolveEngineExecutables } from '../../workers/preprocess.js';
import { STANDINS } from '../helpers/harness.js';

const K3_ROWS: ImagingRows = {
  highTensionVolts: 300_000,
  csMetres: 2.7e-3,
  calibratedPixelMetres: 0.83e-10,
  binning: 1,
  presetDose: 58e20,
  exposureTimeMs: 2000,
  frameTimeMs: 50,
  nframes: 40,
  magnification: 105_000,
};

describe('imaging parameters, in the units Appion derives', () => {
  it('kV from volts, Cs mm from metres, Å per binned pixel, dose per frame from the preset dose and frame time', () => {
    assert.deepEqual(deriveImagingParameters(K3_ROWS), { voltageKv: 300, csMm: 2.7, pixelSize: 0.83, dosePerFrame: 1.45, frames: 40 });
    assert.equal(deriveImagingParameters({ ...K3_ROWS, binning: 2 }).pixelSize, 1.66);
  });

  it('falls back to dose / nframes without frame time, and leaves dose out when Leginon recorded none', () => {
    assert.equal(deriveImagingParameters({ ...K3_ROWS, frameTimeMs: null }).dosePerFrame, 1.45);
    assert.equal(deriveImagingParameters({ ...K3_ROWS, presetDose: null }).dosePerFrame, undefined);
  });

  it('names every missing row', () => {
    assert.throws(
      () => deriveImagingParameters({ ...K3_ROWS, highTensionVolts: null, calibratedPixelMetres: null }),
      (error: Error) =>
        error instanceof ImagingParameterError &&
        /ScopeEMData `high tension`/.test(error.message) &&
        /PixelSizeCalibrationData `pixelsize` for magnification 105000/.test(error.message),
    );
  });
});

const lockDir = () => mkdtempSync(path.join(os.tmpdir(), 'gpu-locks-'));

describe('GPU pool', () => {
  it('never hands out a GPU twice; a waiting job gets the first GPU released', async () => {
    const pool = new GpuPool([1, 0], lockDir());
    const first = await pool.acquire();
    const second = await pool.acquire();
    assert.deepEqual([first, second], [0, 1]);
    let third: number | undefined;
    const waiting = pool.acquire().then((gpu) => (third = gpu));
    await new Promise((r) => setImmediate(r));
    assert.equal(third, undefined);
    pool.release(1);
    await waiting;
    assert.equal(third, 1);
    assert.throws(() => pool.release(0 + 5), /not held/);
  });

  it('never runs two jobs on one GPU even from two pools (two worker processes): the GPU lock is host-wide', async () => {
    const dir = lockDir();
    ensureGpuLockDir(dir);
    const spans: [number, number][] = [];
    const job = async () => {
      const start = Date.now();
      await new Promise((r) => setTimeout(r, 300));
      spans.push([start, Date.now()]);
    };
    await Promise.all([new GpuPool([0], dir).run(job), new GpuPool([0], dir).run(job)]);
    spans.sort((a, b) => a[0] - b[0]);
    assert.ok(spans[1]![0] >= spans[0]![1], `two jobs ran on GPU 0 at once: ${JSON.stringify(spans)}`);
  });

  it('refuses a lock folder others can write', () => {
    const dir = lockDir();
    chmodSync(dir, 0o777);
    assert.throws(() => ensureGpuLockDir(dir), /preprocess\.gpuLockDir .* must be a folder owned by this user that nobody else can write/);
  });

  it('refuses a GPU id listed twice', () => {
    assert.throws(() => new GpuPool([0, 0], lockDir()), /listed twice/);
  });
});

describe('pre-processing configuration', () => {
  const minimal = {
    leginondb: { url: 'mysql://root@127.0.0.1:3306/leginondb' },
    bufferHosts: [{ name: 'buffer1', root: '/bufferdata' }],
    cameras: [{ host: 'k3-krios1', root: '/mnt/k3', bufferHost: 'buffer1' }],
    archive: { root: '/gpfs' },
  };
  const problems = (raw: unknown) => {
    try {
      parseConfig(raw, {});
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    return [];
  };

  it('is off by default', () => {
    const config = parseConfig(minimal, {});
    assert.equal(config.preprocess.motionCorrection.engine, 'none');
    assert.equal(config.preprocess.ctf.engine, 'none');
  });

  it('names what a GPU engine, the results and the outputs need', () => {
    const found = problems({ ...minimal, preprocess: { motionCorrection: { engine: 'motioncor2' }, ctf: { engine: 'ctffind4' } } });
    assert.deepEqual(found.map((p) => p.split(':')[0]).sort(), ['bufferHosts[0].gpus', 'bufferdb', 'preprocess.outputRoot']);
  });

  it('refuses CTF without motion correction, and unknown engines by key', () => {
    const base = { ...minimal, bufferdb: { url: 'mysql://root@127.0.0.1/cryo_buffer' }, preprocess: { outputRoot: '/preprocessing' } };
    assert.match(problems({ ...base, preprocess: { ...base.preprocess, ctf: { engine: 'ctffind4' } } }).join('\n'), /^preprocess\.ctf\.engine: CTF estimation runs on the motion-corrected sum/);
    assert.match(problems({ ...base, preprocess: { ...base.preprocess, motionCorrection: { engine: 'cryosparc-live' } } }).join('\n'), /^preprocess\.motionCorrection\.engine:/);
  });

  it('accepts a CPU-only setup without GPUs', () => {
    const config = parseConfig(
      {
        ...minimal,
        bufferdb: { url: 'mysql://root@127.0.0.1/cryo_buffer' },
        preprocess: { outputRoot: '/preprocessing', motionCorrection: { engine: 'relion' }, ctf: { engine: 'ctffind4' } },
      },
      {},
    );
    assert.deepEqual(config.preprocess.motionCorrection.patches, [5, 5]);
  });
});

describe('movie formats the engines read', () => {
  it('by buffer suffix; DE folders are not read', () => {
    assert.equal(movieFormat('.frames.tif'), 'tif');
    assert.equal(movieFormat('.frames.mrc'), 'mrc');
    assert.equal(movieFormat('.frames.eer'), 'eer');
    assert.equal(movieFormat('.frames'), undefined);
  });

  it("writes MotionCor2's EER fractionation line", () => {
    assert.equal(eerFractionFile(1539, 40, 0.0325), '1539 40 0.0325\n');
  });
});

describe('engine programs at worker start', () => {
  const config = (motion: Record<string, unknown>) =>
    parseConfig(
      {
        leginondb: { url: 'mysql://root@127.0.0.1:3306/leginondb' },
        bufferHosts: [{ name: 'buffer1', root: '/bufferdata', gpus: [0] }],
        cameras: [{ host: 'k3-krios1', root: '/mnt/k3', bufferHost: 'buffer1' }],
        archive: { root: '/gpfs' },
        bufferdb: { url: 'mysql://root@127.0.0.1/cryo_buffer' },
        preprocess: { outputRoot: '/preprocessing', motionCorrection: motion },
      },
      {},
    );

  it('a missing licensed tool stops the worker with the key to set, never a fallback', async () => {
    await assert.rejects(
      resolveEngineExecutables(config({ engine: 'motioncor2', executable: '/opt/nowhere/MotionCor2' })),
      /preprocess\.motionCorrection\.engine is "motioncor2" but its program "\/opt\/nowhere\/MotionCor2" is not an executable file on this host: install it .* or set preprocess\.motionCorrection\.executable/,
    );
  });

  it('finds a configured program by its path', async () => {
    const executables = await resolveEngineExecutables(config({ engine: 'motioncor2', executable: path.join(STANDINS, 'motioncor2') }));
    assert.equal(executables.motioncor2, path.join(STANDINS, 'motioncor2'));
  });
});
