import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fingerprintFile } from '../../src/copy.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { ROLES } from '../../workers/roles.js';
import { movieStatus, useHarness, waitForStage, waitUntil, type Harness } from '../helpers/harness.js';

/** A movie whose Leginon rows the test writes itself, once the workflow is waiting for them. */
async function movieAwaitingRows(h: Harness) {
  mkdirSync(h.sessionDirs.buffer, { recursive: true });
  const movie = await h.microscope.acquire({ bytes: 200_000, rowDelayMs: null });
  const handle = h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
  await waitUntil(async () => (await movieStatus(handle)).lookups >= 1, 'the first lookup');
  return { movie, handle };
}

describe("Leginon's rules, rule by rule, against leginondb in MariaDB", () => {
  const env = useHarness('leginonrules', { roles: ROLES, overrides: { expiry: { after: '1h' } } });

  it('of two images with one frames name, skips the aligned re-save', async () => {
    const { movie, handle } = await movieAwaitingRows(env.h);
    await env.h.microscope.recordImage(movie.framesName, 'sess_aligned', { alignFrames: true });
    await env.h.microscope.recordImage(movie.framesName, 'sess_raw');
    const archived = await waitForStage(handle, ['archived']);
    assert.equal(archived.leginon?.filename, 'sess_raw');
    assert.equal(path.basename(archived.buffer!.path), 'sess_raw.frames.tif');
  });

  it('routes dark, bright and norm reference frames like acquisitions', async () => {
    for (const imageClass of ['DarkImageData', 'BrightImageData', 'NormImageData'] as const) {
      const movie = await env.h.microscope.acquire({ bytes: 50_000, imageClass, imageFilename: `ref_${imageClass}` });
      const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
      const archived = await waitForStage(handle, ['archived']);
      assert.equal(archived.leginon?.imageClass, imageClass);
      assert.equal(path.basename(archived.archive!.path), `ref_${imageClass}.frames.tif`);
    }
  });

  it('keeps an identical file already at the destination and drops the new copy', async () => {
    const { movie, handle } = await movieAwaitingRows(env.h);
    const destination = path.join(env.h.sessionDirs.buffer, `${movie.imageFilename}.frames.tif`);
    copyFileSync((await movieStatus(handle)).buffer!.path, destination);
    await env.h.microscope.recordImage(movie.framesName, movie.imageFilename);
    const archived = await waitForStage(handle, ['archived']);
    assert.equal(archived.buffer?.path, destination);
    assert.deepEqual(archived.warnings, []);
    assert.ok(!readdirSync(env.h.sessionDirs.buffer).some((f) => f.includes('conflict')));
  });

  it('never overwrites a different file at the destination: keeps both and warns', async () => {
    const { movie, handle } = await movieAwaitingRows(env.h);
    const destination = path.join(env.h.sessionDirs.buffer, `${movie.imageFilename}.frames.tif`);
    writeFileSync(destination, 'an older, different movie');
    await env.h.microscope.recordImage(movie.framesName, movie.imageFilename);
    const archived = await waitForStage(handle, ['archived']);
    assert.equal(path.basename(archived.buffer!.path), `${movie.imageFilename}.conflict-1.frames.tif`);
    assert.match(archived.warnings.join('\n'), /different file already had this name/);
    assert.equal((await fingerprintFile(destination)).bytes, 'an older, different movie'.length, 'the older file is untouched');
    assert.equal((await fingerprintFile(archived.buffer!.path)).hash, archived.fingerprint?.hash);
  });

  it('with `append full head`, builds the buffer path from the whole image path and records it in BufferFramePathData', async () => {
    await env.h.db.query('UPDATE `BufferHostData` SET `append full head` = 1');
    await env.h.db.query('DELETE FROM `BufferFramePathData`');
    try {
      const movie = await env.h.microscope.acquire({ bytes: 50_000 });
      const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
      const archived = await waitForStage(handle, ['archived']);
      const head = env.h.dirs.archive.replace(/^\//, '');
      const expected = path.join(env.h.dirs.buffer, 'frames', head, 'demo', env.h.sessionName, 'rawdata');
      assert.equal(path.dirname(archived.buffer!.path), expected);
      const [rows] = await env.h.db.query('SELECT `buffer frame path` AS p FROM `BufferFramePathData`');
      assert.deepEqual((rows as { p: string }[]).map((r) => r.p), [expected]);
      assert.equal(existsSync(archived.archive!.path), true);
    } finally {
      await env.h.db.query('UPDATE `BufferHostData` SET `append full head` = 0');
      await env.h.db.query('DELETE FROM `BufferFramePathData`');
    }
  });
});
