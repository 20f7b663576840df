import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findStepRecords, openBufferDb } from '../../src/bufferdb.js';
import type { MovieStatus } from '../../src/movie.js';
import { movieWorkflowId, preprocessWorkflowId, SIGNALS } from '../../src/operatorNames.js';
import { defectFileText, readDefectPlanText } from '../../src/preprocess/defects.js';
import type { FrameShift } from '../../src/preprocess/results.js';
import { ROLES } from '../../workers/roles.js';
import { GPU_STANDIN_PREPROCESS, movieStatus, STANDINS, useHarness, waitForStage, waitUntil, type Harness } from '../helpers/harness.js';

function handleOf(h: Harness, framesName: string) {
  return h.client.workflow.getHandle(movieWorkflowId('sim-k3', framesName));
}

async function waitForPreprocessing(h: Harness, framesName: string, run = 1, timeoutMs = 90_000): Promise<MovieStatus> {
  return waitUntil(
    async () => {
      const status = await movieStatus(handleOf(h, framesName));
      const p = status.preprocess;
      return p && p.run === run && ['done', 'failed', 'skipped'].includes(p.state) ? status : undefined;
    },
    `pre-processing run ${run} of ${framesName} to end`,
    timeoutMs,
  );
}

async function resultRows(h: Harness, framesName: string) {
  const db = openBufferDb(h.config.bufferdb!.url);
  try {
    return await findStepRecords(db, movieWorkflowId('sim-k3', framesName));
  } finally {
    await db.end();
  }
}

describe("pre-processing with RELION's CPU motion correction and CTFFIND4", () => {
  const env = useHarness('preprocess_cpu', {
    roles: ROLES,
    overrides: {
      expiry: { after: '1h' },
      preprocess: {
        motionCorrection: { engine: 'relion', patches: [1, 1], threads: 2 },
        ctf: { engine: 'ctffind4', executable: path.join(STANDINS, 'ctffind4') },
      },
    },
  });

  it('recovers the known drift of a synthetic K3 movie within 0.5 px, then estimates CTF on the sum', async () => {
    delete process.env.STANDIN_CTFFIND_ORDER;
    const movie = await env.h.microscope.acquire({ bytes: 0, format: 'tif', drift: { x: 0.7, y: -0.45, frames: 16, size: 256 } });
    const status = await waitForPreprocessing(env.h, movie.framesName);
    assert.equal(status.preprocess?.state, 'done', status.preprocess?.error);
    assert.equal(status.preprocess?.motion?.engine, 'relion');
    assert.equal(status.preprocess?.motion?.frames, 16);
    assert.equal(status.preprocess?.ctf?.engine, 'ctffind4');
    assert.ok(status.preprocess!.ctf!.defocus1 > 10_000);

    const rows = await resultRows(env.h, movie.framesName);
    const motion = rows.find((r) => r.step === 'motion')!;
    assert.equal(motion.outcome, 'ok');
    const shifts = (typeof motion.frame_shifts === 'string' ? JSON.parse(motion.frame_shifts) : motion.frame_shifts) as FrameShift[];
    // RELION reports the shift that corrects each frame: the negative of the specimen's motion since frame 1.
    shifts.forEach((shift, i) => {
      const known = movie.shifts![i]!;
      assert.ok(Math.abs(shift.x + known.x) < 0.5 && Math.abs(shift.y + known.y) < 0.5, `frame ${i + 1}: ${JSON.stringify(shift)} vs motion ${JSON.stringify(known)}`);
    });
    const expectedDrift = Math.hypot(0.7, 0.45) * 15;
    assert.ok(Math.abs(Number(motion.total_drift_px) - expectedDrift) < 1.5, `total drift ${motion.total_drift_px} vs ${expectedDrift}`);
    // Units as Appion derives them from the simulated leginondb: 1.06 Å, 300 kV, 50 e-/Å² over 16 frames.
    const parameters = typeof motion.parameters === 'string' ? JSON.parse(motion.parameters) : motion.parameters;
    assert.deepEqual(parameters.imaging, { voltageKv: 300, csMm: 2.7, pixelSize: 1.06, dosePerFrame: 3.125, frames: 16 });

    const ctf = rows.find((r) => r.step === 'ctf')!;
    assert.equal(ctf.outcome, 'ok');
    assert.equal(ctf.engine_version, '4.1.14-standin');
    const outputDir = status.preprocess!.motion!.outputDir;
    assert.equal(outputDir, path.join(env.h.config.preprocess.outputRoot!, env.h.sessionName, movie.imageFilename, 'run-1'));
    for (const file of [`${movie.imageFilename}_frames.mrc`, `${movie.imageFilename}_frames_noDW.mrc`, 'corrected_micrographs.star', `${movie.imageFilename}_relion_motioncorr.log`, `${movie.imageFilename}_ctffind4.txt`, `${movie.imageFilename}_ctffind4_avrot.txt`, `${movie.imageFilename}_ctffind4.log`]) {
      assert.ok(existsSync(path.join(outputDir, file)), file);
    }
    assert.match(readFileSync(path.join(outputDir, `${movie.imageFilename}_ctffind4.log`), 'utf8'), /Pixel size\s+: 1\.06/);

    // Operators filter on the headline figures.
    await waitUntil(async () => {
      const found = [];
      for await (const w of env.h.client.workflow.list({ query: `CtfResolution > 0 AND TotalDrift > 5 AND PreprocessState = 'done'` })) found.push(w.workflowId);
      return found.includes(movieWorkflowId('sim-k3', movie.framesName));
    }, 'the movie to be listed by CtfResolution and TotalDrift');

    // Archive did not wait for any of it, and keeps the movie as it came off the camera.
    assert.equal((await waitForStage(handleOf(env.h, movie.framesName), ['archived'])).stage, 'archived');
  });

  /** A movie pre-processed once, then reprocessed with the CTFFIND stand-in set by `variable`: run 2's status and CTFFIND log. */
  async function reprocessUnderStandin(variable: string, value: string, drift: { x: number; y: number }) {
    const movie = await env.h.microscope.acquire({ bytes: 0, format: 'mrc', drift: { ...drift, frames: 12, size: 192 } });
    await waitForPreprocessing(env.h, movie.framesName);
    process.env[variable] = value;
    try {
      await handleOf(env.h, movie.framesName).signal(SIGNALS.reprocess, { by: 'test' });
      const status = await waitForPreprocessing(env.h, movie.framesName, 2);
      assert.equal(status.preprocess?.state, 'done', status.preprocess?.error);
      const log = readFileSync(path.join(status.preprocess!.motion!.outputDir, `${movie.imageFilename}_ctffind4.log`), 'utf8');
      return { movie, status, log };
    } finally {
      delete process.env[variable];
    }
  }

  it('reprocess runs again into a new run folder; CTFFIND asking its questions in another order is answered all the same', async () => {
    const { movie, status, log } = await reprocessUnderStandin('STANDIN_CTFFIND_ORDER', 'alternate', { x: -0.3, y: 0.6 });
    assert.equal(status.preprocess?.requestedBy, 'test');
    assert.match(status.preprocess!.motion!.outputDir, /run-2$/);
    assert.match(log, /Input is a movie \(stack of frames\)\? \[no\]\s+: no/);
    const rows = await resultRows(env.h, movie.framesName);
    assert.deepEqual(rows.map((r) => `${r.run}:${r.step}:${r.outcome}`), ['1:motion:ok', '1:ctf:ok', '2:motion:ok', '2:ctf:ok']);
  });

  it("CTFFIND5's new questions (sample tilt, thickness) are answered from the settings and its 10 columns read", async () => {
    const { status, log } = await reprocessUnderStandin('STANDIN_CTFFIND_VERSION', '5', { x: 0.3, y: 0.3 });
    assert.equal(status.preprocess!.ctf!.version, '5.0.2-standin');
    assert.match(log, /Determine samnple thickness\?\s+: no/);
    assert.match(log, /Determine sample tilt\?\s+: no/);
  });

  it("fills the defects of Leginon's corrector plan, turned like the frames, and still recovers the drift", async () => {
    // Last in this suite: from here on exposures are taken with these references (256 px, frames flipped and turned).
    await env.h.microscope.recordReferences({ flip: true, rotate: 1, darkFrames: 40, flatSize: 256 });
    const movie = await env.h.microscope.acquire({ bytes: 0, format: 'mrc', drift: { x: 0.6, y: 0.4, frames: 12, size: 256 } });
    const status = await waitForPreprocessing(env.h, movie.framesName);
    assert.equal(status.preprocess?.state, 'done', status.preprocess?.error);
    assert.match(status.references!.defectPlan!, /^defect_plan\d{4}_mod\.txt$/);
    assert.equal(status.preprocess!.motion!.defects, `3 defect(s) of ${status.references!.defectPlan} filled`);

    const [motion] = (await resultRows(env.h, movie.framesName)).filter((r) => r.step === 'motion');
    const { argv } = (typeof motion!.parameters === 'string' ? JSON.parse(motion!.parameters) : motion!.parameters) as { argv: string[] };
    const defectFile = argv[argv.indexOf('--defect_file') + 1]!;
    assert.equal(defectFile, path.join(status.preprocess!.motion!.outputDir, `${movie.imageFilename}_defects.txt`));
    const references = path.dirname(argv[argv.indexOf('--gainref') + 1]!);
    const plan = readDefectPlanText(readFileSync(path.join(references, status.references!.defectPlan!), 'utf8'));
    assert.equal(readFileSync(defectFile, 'utf8'), defectFileText(plan, { width: 256, height: 256 }).text);
    assert.ok(Math.abs(status.preprocess!.motion!.totalDrift - Math.hypot(0.6, 0.4) * 11) < 1.5, `total drift ${status.preprocess!.motion!.totalDrift}`);
  });
});

describe('pre-processing on GPU slots (MotionCor2 and Gctf stand-ins, two GPUs)', () => {
  const env = useHarness('preprocess_gpu', {
    roles: ROLES,
    gpus: [0, 1],
    overrides: {
      expiry: { after: '1h' },
      preprocess: GPU_STANDIN_PREPROCESS,
    },
  });

  it('never runs two jobs on one GPU, and uses every GPU', async () => {
    const timeline = path.join(env.h.dir, 'gpu-timeline.jsonl');
    process.env.STANDIN_TIMELINE = timeline;
    process.env.STANDIN_SLEEP_MS = '700';
    try {
      const movies = [];
      for (let i = 0; i < 5; i++) movies.push(await env.h.microscope.acquire({ bytes: 20_000 }));
      for (const movie of movies) {
        const status = await waitForPreprocessing(env.h, movie.framesName);
        assert.equal(status.preprocess?.state, 'done', status.preprocess?.error);
        assert.ok([0, 1].includes(status.preprocess!.motion!.gpu!), `motion ran on GPU ${status.preprocess?.motion?.gpu}`);
      }
      const jobs = readFileSync(timeline, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { tool: string; gpu: number; start: number; end: number });
      assert.equal(jobs.length, 10, 'one MotionCor2 and one Gctf job per movie');
      for (const gpu of [0, 1]) {
        const onGpu = jobs.filter((j) => j.gpu === gpu).sort((a, b) => a.start - b.start);
        assert.ok(onGpu.length > 0, `GPU ${gpu} was never used`);
        for (let i = 1; i < onGpu.length; i++) {
          assert.ok(onGpu[i]!.start >= onGpu[i - 1]!.end, `GPU ${gpu} ran two jobs at once: ${JSON.stringify([onGpu[i - 1], onGpu[i]])}`);
        }
      }
    } finally {
      delete process.env.STANDIN_TIMELINE;
      delete process.env.STANDIN_SLEEP_MS;
      rmSync(timeline, { force: true });
    }
  });
});

describe("MotionCor3 with its own CTF fit (stand-in writing MotionCor3's formats, one GPU)", () => {
  const env = useHarness('preprocess_motioncor3', {
    roles: ROLES,
    gpus: [0],
    overrides: {
      expiry: { after: '1h' },
      preprocess: {
        motionCorrection: { engine: 'motioncor3', executable: path.join(STANDINS, 'motioncor3'), patches: [5, 5] },
        ctf: { engine: 'motioncor3', amplitudeContrast: 0.07 },
      },
    },
  });

  it('reads the shifts from its -LogDir and takes its _Ctf.txt as the CTF result, asking for the fit with Cs and amplitude contrast', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 20_000 });
    const status = await waitForPreprocessing(env.h, movie.framesName);
    assert.equal(status.preprocess?.state, 'done', status.preprocess?.error);
    assert.equal(status.preprocess!.motion!.engine, 'motioncor3');
    assert.equal(status.preprocess!.motion!.frames, 16);
    assert.equal(status.preprocess!.ctf!.engine, 'motioncor3');
    assert.equal(status.preprocess!.ctf!.astigmatism, 310);
    const rows = await resultRows(env.h, movie.framesName);
    const [motionRow, ctfRow] = ['motion', 'ctf'].map((step) => rows.find((r) => r.step === step)!);
    const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
    const argv = json(motionRow!.parameters).argv as string[];
    assert.deepEqual(argv.slice(argv.indexOf('-Cs'), argv.indexOf('-Cs') + 4), ['-Cs', '2.7', '-AmpCont', '0.07']);
    assert.ok(argv.includes('-LogDir') && !argv.includes('-LogFile'));
    assert.match(json(motionRow!.outputs).shifts, /\.frames-Patch-Full\.log$/);
    assert.equal(ctfRow!.outcome, 'ok');
    assert.equal(Number(ctfRow!.astigmatism_a), 310);
  });
});

describe('pre-processing of a movie placed straight into its frame path', () => {
  const env = useHarness('preprocess_direct', {
    roles: ROLES,
    gpus: [0],
    overrides: {
      expiry: { after: '1h' },
      preprocess: GPU_STANDIN_PREPROCESS,
    },
  });

  it('goes on after the movie workflow ends (no buffer copy to keep: it ends as soon as the movie is in place)', async () => {
    await env.h.db.query('UPDATE `BufferHostData` SET `disabled` = 1');
    process.env.STANDIN_SLEEP_MS = '2000';
    try {
      const movie = await env.h.microscope.acquire({ bytes: 20_000 });
      const handle = handleOf(env.h, movie.framesName);
      await waitUntil(() => handle.describe(), 'the movie workflow to start');
      const ended = await handle.result();
      assert.equal(ended.stage, 'archived');
      assert.equal(ended.preprocess?.state !== 'done', true, 'the engines were still running when the movie workflow ended');
      const child = env.h.client.workflow.getHandle(preprocessWorkflowId(handle.workflowId, 1));
      await child.result();
      assert.equal((await child.describe()).status.name, 'COMPLETED');
      const rows = await resultRows(env.h, movie.framesName);
      assert.deepEqual(rows.map((r) => `${r.run}:${r.step}:${r.outcome}`), ['1:motion:ok', '1:ctf:ok']);
    } finally {
      delete process.env.STANDIN_SLEEP_MS;
      await env.h.db.query('UPDATE `BufferHostData` SET `disabled` = 0');
    }
  });
});

describe('a failing engine', () => {
  const env = useHarness('preprocess_fail', {
    roles: ROLES,
    gpus: [0],
    overrides: {
      expiry: { after: '15s' },
      preprocess: GPU_STANDIN_PREPROCESS,
    },
  });

  it('leaves archive and expiry untouched and shows the failure in status and the results table', async () => {
    process.env.STANDIN_FAIL = '1';
    try {
      const movie = await env.h.microscope.acquire({ bytes: 30_000 });
      const handle = handleOf(env.h, movie.framesName);
      const archived = await waitForStage(handle, ['archived']);
      assert.notEqual(archived.preprocess?.state, 'done');
      const failed = await waitForPreprocessing(env.h, movie.framesName, 1, 60_000);
      assert.equal(failed.preprocess?.state, 'failed');
      assert.match(failed.preprocess!.error!, /motion correction \(motioncor2\): motioncor2 failed \(exit code 1\); its output is in .*_motioncor2\.log/);
      const rows = await resultRows(env.h, movie.framesName);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.outcome, 'failed');
      assert.match(String(rows[0]!.error), /attempt 2/);
      const expired = await waitForStage(handle, ['expired'], 60_000);
      assert.equal(expired.preprocess?.state, 'failed');
      assert.equal(existsSync(archived.buffer!.path), false);
    } finally {
      delete process.env.STANDIN_FAIL;
    }
  });
});
