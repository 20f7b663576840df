/**
 * The science against a known truth: K3 movies of a simulated specimen (1024 x 1024, 40 frames, LZW TIFF, the
 * camera's fixed pattern in the frames and its inverse as the session's norm reference) through the whole
 * pipeline, with RELION's motion correction and CTFFIND 4.1.14 for real. The simulator's truth log says what each
 * should find.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { findStepRecords, openBufferDb } from '../../src/bufferdb.js';
import { ensureCtffindInstalled } from '../../src/ctffindBuild.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { axisDifference } from '../../src/preprocess/results.js';
import { SIMULATED_OPTICS, type ExposureTruth } from '../../src/simulator/microscope.js';
import { ROLES } from '../../workers/roles.js';
import { movieStatus, useHarness, waitUntil } from '../helpers/harness.js';

const MOVIES = 10;
const FRAME_SIZE = 1024;
const FRAMES = 40;

/** Mean defocus evenly over 0.8-3.0 µm, astigmatism over 0-500 Å, angles spread: the range a session covers. */
const truths = Array.from({ length: MOVIES }, (_, i) => {
  const mean = 8_000 + (22_000 * i) / (MOVIES - 1);
  const astigmatism = ((i * 7) % MOVIES) * (500 / (MOVIES - 1));
  return { defocus1: mean + astigmatism / 2, defocus2: mean - astigmatism / 2, azimuth: (i * 37 + 11) % 180 };
});


describe('CTF and drift against the simulator’s truth (real RELION, real CTFFIND 4.1.14)', async () => {
  const ctffind = await ensureCtffindInstalled();
  const env = useHarness('ctf_accuracy', {
    roles: ROLES,
    overrides: {
      expiry: { after: '1h' },
      preprocess: {
        cpuSlots: 2,
        motionCorrection: { engine: 'relion', patches: [1, 1], bfactor: [150, 100] },
        ctf: { engine: 'ctffind4', executable: ctffind, amplitudeContrast: SIMULATED_OPTICS.amplitudeContrast, astigmatismTolerance: 500 },
      },
    },
  });

  it(`finds defocus within 3% (or 300 Å), the astigmatism angle within 10° (where over 200 Å), a fit resolution, and the total drift within 0.5 px, over ${MOVIES} K3 movies`, async () => {
    await env.h.microscope.recordReferences({ flip: true, rotate: 1, darkFrames: FRAMES, flatSize: FRAME_SIZE });
    const movies = [];
    for (const [i, ctf] of truths.entries()) {
      const drift = { x: 0.6 * Math.cos(i), y: 0.6 * Math.sin(i), frames: FRAMES, size: FRAME_SIZE };
      movies.push(await env.h.microscope.acquire({ bytes: 0, format: 'tif', drift, ctf }));
    }
    const logged = readFileSync(env.h.microscope.truthLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ExposureTruth);
    const db = openBufferDb(env.h.config.bufferdb!.url);
    const table: string[] = [];
    const misses: string[] = [];
    const angleErrors: number[] = [];
    try {
      for (const movie of movies) {
        const truth = logged.find((t) => t.framesName === movie.framesName)!;
        assert.ok(truth, `${movie.framesName} is in the truth log`);
        const status = await waitUntil(
          async () => {
            const s = await movieStatus(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName)));
            return s.preprocess && ['done', 'failed'].includes(s.preprocess.state) ? s : undefined;
          },
          `pre-processing of ${movie.framesName}`,
          240_000,
        );
        assert.equal(status.preprocess!.state, 'done', status.preprocess!.error);
        const rows = await findStepRecords(db, movieWorkflowId('sim-k3', movie.framesName));
        const fit = rows.find((r) => r.step === 'ctf')!;
        const result = { defocus1: Number(fit.defocus1_a), defocus2: Number(fit.defocus2_a), azimuth: Number(fit.azimuth_deg), fitResolution: fit.ctf_resolution_a === null ? Infinity : Number(fit.ctf_resolution_a) };
        const drift = Number(rows.find((r) => r.step === 'motion')!.total_drift_px);
        const astigmatism = truth.ctf.defocus1 - truth.ctf.defocus2;
        const errors = {
          defocus1: result.defocus1 - truth.ctf.defocus1,
          defocus2: result.defocus2 - truth.ctf.defocus2,
          angle: axisDifference(result.azimuth, truth.ctf.azimuth),
          drift: drift - truth.totalDrift,
        };
        table.push(
          `${movie.framesName}  truth ${truth.ctf.defocus1.toFixed(0)}/${truth.ctf.defocus2.toFixed(0)} Å ${truth.ctf.azimuth.toFixed(0)}°  ` +
            `fit ${result.defocus1.toFixed(0)}/${result.defocus2.toFixed(0)} Å ${result.azimuth.toFixed(0)}° to ${result.fitResolution.toFixed(1)} Å  ` +
            `drift ${drift.toFixed(2)} vs ${truth.totalDrift.toFixed(2)} px`,
        );
        for (const axis of ['defocus1', 'defocus2'] as const) {
          if (Math.abs(errors[axis]) > Math.max(300, 0.03 * truth.ctf[axis])) misses.push(`${movie.framesName} ${axis} off by ${errors[axis].toFixed(0)} Å`);
        }
        if (astigmatism > 200) {
          angleErrors.push(errors.angle);
          if (errors.angle > 10) misses.push(`${movie.framesName} astigmatism angle off by ${errors.angle.toFixed(0)}°`);
        }
        if (!Number.isFinite(result.fitResolution)) misses.push(`${movie.framesName} reported no fit resolution`);
        if (Math.abs(errors.drift) > 0.5) misses.push(`${movie.framesName} total drift off by ${errors.drift.toFixed(2)} px`);
      }
    } finally {
      await db.end();
    }
    console.log(`${table.join('\n')}\nastigmatism angle errors where astigmatism > 200 Å: ${angleErrors.map((e) => `${e.toFixed(0)}°`).join(' ')}`);
    assert.deepEqual(misses, []);
  });
});
