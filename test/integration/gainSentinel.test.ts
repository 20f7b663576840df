/**
 * The gain sentinel on the whole pipeline: K3 TIFF movies counted through the simulated camera's fixed pattern,
 * the session's norm reference as Leginon writes it, RELION for motion and the CTFFIND stand-in (the sentinel
 * reads the raw frames, not the engines' outputs).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { gainProblems, openBufferDb, sessionGainChecks } from '../../src/bufferdb.js';
import type { MovieStatus } from '../../src/movie.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { describePreprocess } from '../../src/statusFormat.js';
import { ROLES } from '../../workers/roles.js';
import { movieStatus, STANDINS, useHarness, waitUntil, type Harness } from '../helpers/harness.js';

const SIZE = 256;
const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

async function preprocessed(h: Harness, framesName: string): Promise<MovieStatus> {
  return waitUntil(
    async () => {
      const status = await movieStatus(h.client.workflow.getHandle(movieWorkflowId('sim-k3', framesName)));
      return status.preprocess && ['done', 'failed'].includes(status.preprocess.state) ? status : undefined;
    },
    `pre-processing of ${framesName}`,
    90_000,
  );
}

describe('gain sentinel: raw frames against the session’s gain reference, in every orientation', () => {
  const env = useHarness('gain_sentinel', {
    roles: ROLES,
    overrides: {
      expiry: { after: '1h' },
      preprocess: {
        gainCheck: { firstMovies: 3, frames: 40 },
        motionCorrection: { engine: 'relion', patches: [1, 1] },
        ctf: { engine: 'ctffind4', executable: path.join(STANDINS, 'ctffind4') },
      },
    },
  });
  const acquire = () => env.h.microscope.acquire({ bytes: 0, format: 'tif', drift: { x: 0.3, y: 0.2, frames: 40, size: SIZE } });
  const db = () => openBufferDb(env.h.config.bufferdb!.url);

  it('stays quiet when the frames are saved as the camera record says', async () => {
    await env.h.microscope.recordReferences({ flip: true, rotate: 1, darkFrames: 40, flatSize: SIZE });
    const status = await preprocessed(env.h, (await acquire()).framesName);
    assert.equal(status.preprocess!.gainCheck?.problem, false, status.preprocess!.gainCheck?.verdict);
    assert.match(status.preprocess!.gainCheck!.verdict, /flattens the frames as configured \(flip yes, rotate 1\), no new defects/);
  });

  it('names the orientation that fits when the camera PC saves the frames otherwise, in status and in the alert’s table', async () => {
    await env.h.microscope.recordReferences({ flip: true, rotate: 1, savedAs: { flip: false, rotate: 0 }, darkFrames: 40, flatSize: SIZE });
    const movie = await acquire();
    const status = await preprocessed(env.h, movie.framesName);
    assert.equal(status.preprocess!.gainCheck?.problem, true);
    assert.match(status.preprocess!.gainCheck!.verdict, /^the gain fits the frames turned flip no, rotate 0, not the configured flip yes, rotate 1/);
    assert.match(describePreprocess(status.preprocess!), /GAIN CHECK: the gain fits the frames turned flip no, rotate 0/);
    const bufferDb = db();
    try {
      const problems = await gainProblems(bufferDb);
      assert.deepEqual(problems.map((p) => [p.session, p.imageFilename]), [[env.h.sessionName, movie.imageFilename]]);
    } finally {
      await bufferDb.end();
    }
    // On demand, by movie or by session: the same finding, and a failing exit status for scripts.
    const bufferctl = (...args: string[]) => execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, ...args], { reject: false });
    const byMovie = await bufferctl('gain-check', movie.framesName);
    assert.equal(byMovie.exitCode, 1, byMovie.stderr);
    assert.match(byMovie.stdout, /: PROBLEM: the gain fits the frames turned flip no, rotate 0, not the configured flip yes, rotate 1/);
    const bySession = await bufferctl('gain-check', '--session', env.h.sessionName);
    const lines = bySession.stdout.trim().split('\n');
    assert.equal(lines.length, 2, 'both movies of the session so far');
    assert.deepEqual(lines.map((line) => line.includes(': PROBLEM: ')).sort(), [false, true]);
  });

  it('finds a column gone bad since the gain reference, and checks only the first movies of a session', async () => {
    await env.h.microscope.recordReferences({ flip: false, rotate: 0, badColumnSince: 77, darkFrames: 40, flatSize: SIZE });
    const status = await preprocessed(env.h, (await acquire()).framesName);
    assert.equal(status.preprocess!.gainCheck?.problem, true, status.preprocess!.gainCheck?.verdict);
    assert.match(status.preprocess!.gainCheck!.verdict, /^bad column\(s\) 77 not in the defect plan$/);
    const fourth = await preprocessed(env.h, (await acquire()).framesName);
    assert.equal(fourth.preprocess!.gainCheck, undefined, 'the fourth movie of the session is not checked');
    const bufferDb = db();
    try {
      assert.equal((await sessionGainChecks(bufferDb, env.h.sessionName)).length, 3);
    } finally {
      await bufferDb.end();
    }
  });
});
