import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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

  it("a real session's names: the K3 movie of 26jan15b goes by its exposure, past its -a re-save and the dummy gr/sq/hl images", async () => {
    const real = await env.h.microscope.inSession({ name: '26jan15b', imagePath: path.join(env.h.dirs.archive, 'leginon', 'smith', '26jan15b', 'rawdata') });
    const exposure = '26jan15b_00007gr_00021sq_v01_00003hl_00004ex';
    for (const overview of ['26jan15b_00007gr', '26jan15b_00007gr_00021sq', '26jan15b_00007gr_00021sq_v01_00003hl']) {
      await real.recordImage('dummy', overview, { saveFrames: false });
    }
    const movie = await real.acquire({ bytes: 40_000, framesName: '20260115_09421733', imageFilename: exposure });
    await movie.rowsInserted;
    await real.recordImage('20260115_09421733', `${exposure}-a`, { alignFrames: true });
    const archived = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName)), ['archived']);
    assert.equal(archived.leginon?.session, '26jan15b');
    assert.equal(archived.buffer?.path, path.join(env.h.dirs.buffer, 'frames', 'smith', '26jan15b', 'rawdata', `${exposure}.frames.tif`));
    assert.equal(archived.archive?.path, path.join(env.h.dirs.archive, 'frames', 'smith', '26jan15b', 'rawdata', `${exposure}.frames.tif`));
  });

  it('splits the image path on the substring "leginon" as Leginon and Appion do: /…/leginon_data/… is routed, not parked', async () => {
    const odd = await env.h.microscope.inSession({ name: '26jan15c', imagePath: path.join(env.h.dirs.archive, 'leginon_data', 'smith', '26jan15c', 'rawdata') });
    const movie = await odd.acquire({ bytes: 30_000, imageFilename: '26jan15c_00001gr_00002sq_v01_00003hl_00004ex' });
    const archived = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName)), ['archived', 'parked']);
    assert.equal(archived.stage, 'archived', archived.detail);
    // ddinfo drops the character after "leginon" ("_"), and the fallback frame path replaces the substring.
    assert.equal(path.dirname(archived.buffer!.path), path.join(env.h.dirs.buffer, 'frames', 'data', 'smith', '26jan15c', 'rawdata'));
    assert.equal(path.dirname(archived.archive!.path), path.join(env.h.dirs.archive, 'frames_data', 'smith', '26jan15c', 'rawdata'));
  });

  it("the camera's newest BufferHostData row decides: disabling it sends movies to the frame path, though an older row is enabled", async () => {
    const [[current]] = (await env.h.db.query('SELECT * FROM `BufferHostData` ORDER BY `DEF_id` DESC LIMIT 1')) as unknown as [Record<string, unknown>[]];
    // The camera once had another buffer host (still enabled), then this one again (newest), now disabled for an outage.
    await env.h.db.query(
      'INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`) VALUES (?, ?, ?, 0)',
      [current!['REF|InstrumentData|ccdcamera'], 'old-buffer', path.join(env.h.dirs.buffer, 'old-host-frames')],
    );
    await env.h.db.query(
      'INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`) VALUES (?, ?, ?, 1)',
      [current!['REF|InstrumentData|ccdcamera'], current!['buffer hostname'], current!['buffer base path']],
    );
    try {
      const movie = await env.h.microscope.acquire({ bytes: 30_000 });
      const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
      await waitUntil(() => handle.describe(), 'the watcher to start the movie');
      const result = await handle.result();
      assert.equal(result.archive?.sameAsBuffer, true);
      assert.equal(result.buffer?.path, path.join(env.h.sessionDirs.archive, `${movie.imageFilename}.frames.tif`));
      assert.equal(existsSync(path.join(env.h.dirs.buffer, 'old-host-frames')), false, 'nothing went to the old host');
    } finally {
      await env.h.db.query('DELETE FROM `BufferHostData` WHERE `DEF_id` > ?', [current!.DEF_id]);
    }
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

describe('a destination head, judged before anything is copied', () => {
  // The harness folders are under the temporary folder: movies routed there are ours, others another server's.
  const env = useHarness('desthead', { roles: ROLES, overrides: { expiry: { after: '1h' }, leginon: { destinationHead: os.tmpdir() } } });

  it("leaves another server's movie on the camera untouched, and takes ours", async () => {
    const theirs = await env.h.microscope.inSession({ name: '26jan15d', imagePath: '/data/leginon/jones/26jan15d/rawdata' });
    const [[host]] = (await env.h.db.query('SELECT `DEF_id` AS id FROM `BufferHostData` ORDER BY `DEF_id` DESC LIMIT 1')) as unknown as [{ id: number }[]];
    // The other server's buffer path for that session, as its own first movie recorded it.
    await env.h.db.query('INSERT INTO `BufferFramePathData` (`REF|SessionData|session`, `REF|BufferHostData|host`, `buffer frame path`) VALUES (?, ?, ?)', [
      theirs.sessionId,
      host!.id,
      '/buffer2/frames/jones/26jan15d/rawdata',
    ]);
    const foreign = await theirs.acquire({ bytes: 30_000, imageFilename: '26jan15d_00001gr_00002sq_v01_00003hl_00004ex' });
    const before = statSync(foreign.cameraFile);
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', foreign.framesName));
    await waitUntil(() => handle.describe(), 'the watcher to start the movie');
    const result = await handle.result();
    assert.equal(result.stage, 'left-on-camera');
    assert.match(result.detail ?? '', /\/buffer2\/frames\/jones\/26jan15d\/rawdata.*outside the destination head/);
    const activities = ((await handle.fetchHistory()).events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    assert.deepEqual(activities, ['claimCameraMovie'], 'nothing copied');
    assert.equal(statSync(foreign.cameraFile).mtimeMs, before.mtimeMs, 'the camera file is untouched');
    const staging = path.join(env.h.dirs.buffer, '.incoming', 'sim-k3');
    assert.ok(!existsSync(staging) || readdirSync(staging).length === 0, 'no staged copy');

    const ours = await env.h.microscope.acquire({ bytes: 30_000 });
    const archived = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', ours.framesName)), ['archived']);
    assert.equal(archived.buffer?.path, path.join(env.h.sessionDirs.buffer, `${ours.imageFilename}.frames.tif`));
  });
});
