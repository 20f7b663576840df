import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fingerprintDecompressed } from '../../src/compression.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { MANIFEST_FOLDER } from '../../src/partManifests.js';
import { ROLES } from '../../workers/roles.js';
import { historyPayloadBytes, useHarness, waitForStage } from '../helpers/harness.js';

describe('multi-file movies: Falcon sidecars and DE frames folders', () => {
  const env = useHarness('moviekinds', { roles: ROLES, overrides: { expiry: { after: '3s' } } });

  it('moves a Falcon .mrcs with its .xml sidecar: <filename>.frames.mrc and <filename>.frames.xml', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 300_000, format: 'falcon' });
    const sidecar = path.join(path.dirname(movie.cameraFile), `${movie.framesName}.xml`);
    const xml = readFileSync(sidecar, 'utf8');
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const archived = await waitForStage(handle, ['archived']);
    assert.equal(path.basename(archived.archive!.path), `${movie.imageFilename}.frames.mrc`);
    assert.deepEqual(archived.parts?.map((p) => p.targetSuffix), ['.frames.mrc', '.frames.xml']);
    for (const dir of [env.h.sessionDirs.buffer, env.h.sessionDirs.archive]) {
      assert.equal(readFileSync(path.join(dir, `${movie.imageFilename}.frames.xml`), 'utf8'), xml);
    }
    assert.equal(existsSync(movie.cameraFile), false);
    assert.equal(existsSync(sidecar), false, 'the sidecar leaves the camera with its movie');
    await waitForStage(handle, ['expired']);
    assert.equal(existsSync(path.join(env.h.sessionDirs.buffer, `${movie.imageFilename}.frames.xml`)), false);
  });

  /** What leginondb's DDinfo tables hold for an image's camera record (as ddinfo.saveImageDDinfoToDatabase writes it). */
  const deInfoOf = async (filename: string) => {
    const [rows] = await env.h.db.query(
      `SELECT k.\`name\` AS name, v.\`infovalue\` AS value FROM \`DDinfoValueData\` v
         JOIN \`DDinfoKeyData\` k ON k.\`DEF_id\` = v.\`REF|DDinfoKeyData|infokey\`
         JOIN \`AcquisitionImageData\` img ON img.\`REF|CameraEMData|camera\` = v.\`REF|CameraEMData|camera\`
        WHERE img.\`filename\` = ? ORDER BY k.\`name\``,
      [filename],
    );
    return (rows as { name: string; value: string }[]).map(({ name, value }) => ({ name, value }));
  };

  it('moves a DE frames folder, every file and info.txt, to <filename>.frames/', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 600_000, format: 'de' });
    const files = readdirSync(movie.cameraFile).sort();
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const archived = await waitForStage(handle, ['archived']);
    const framesFolder = `${movie.imageFilename}.frames`;
    assert.deepEqual(readdirSync(path.join(env.h.sessionDirs.buffer, framesFolder)).sort(), files);
    assert.deepEqual(readdirSync(path.join(env.h.sessionDirs.archive, framesFolder)).sort(), files);
    assert.equal(archived.partCount, files.length);
    assert.equal(archived.parts?.length, files.length, 'few parts: listed inline in status');
    assert.match(readFileSync(path.join(env.h.sessionDirs.archive, framesFolder, 'info.txt'), 'utf8'), /Dataset Name/);
    assert.deepEqual(await deInfoOf(movie.imageFilename), [
      { name: 'Dataset Name', value: movie.framesName },
      { name: 'Frames Per Second', value: '40' },
    ]);
    assert.equal(existsSync(movie.cameraFile), false, 'the DE folder leaves the camera');
    await waitForStage(handle, ['expired']);
    assert.equal(existsSync(path.join(env.h.sessionDirs.buffer, framesFolder)), false, 'the buffer folder goes at expiry');
    assert.deepEqual(readdirSync(path.join(env.h.sessionDirs.archive, framesFolder)).sort(), files);
  });

  it('carries a DE folder of 300 files as a part manifest: no payload in the history over 16 KiB, every file archived, the manifests dropped at expiry', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 300 * 256, format: 'de', deFrames: 299 });
    const files = readdirSync(movie.cameraFile).sort();
    assert.equal(files.length, 300);
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const expired = await waitForStage(handle, ['expired'], 240_000);
    const framesFolder = `${movie.imageFilename}.frames`;
    assert.deepEqual(readdirSync(path.join(env.h.sessionDirs.archive, framesFolder)).sort(), files);
    assert.equal(existsSync(path.join(env.h.sessionDirs.buffer, framesFolder)), false);
    assert.equal(expired.partCount, 300);
    assert.equal((await deInfoOf(movie.imageFilename)).length, 2, 'info.txt found through the manifest and recorded once');
    assert.equal(expired.parts, undefined, 'a manifest list stays out of the status query');
    const { largest } = historyPayloadBytes(await handle.fetchHistory());
    assert.ok(largest < 16 * 1024, `largest payload ${largest} B`);
    // `expired` is shown before the manifests are dropped, the workflow's last step: wait for its end.
    await handle.result();
    assert.deepEqual(readdirSync(path.join(env.h.dirs.buffer, MANIFEST_FOLDER)), [], 'manifests dropped once the movie ended');
  });
});

describe('archive.compressMrc: gzip', () => {
  const env = useHarness('compress', { roles: ROLES, overrides: { expiry: { after: '3s' }, archive: { compressMrc: 'gzip' } } });

  it('archives .mrc movies gzipped, verified by decompressing, and expires the buffer copy against them; TIFFs go as they are', async () => {
    const mrc = await env.h.microscope.acquire({ bytes: 400_000, format: 'mrc' });
    const tif = await env.h.microscope.acquire({ bytes: 100_000, format: 'tif' });
    const mrcHandle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', mrc.framesName));
    const tifHandle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', tif.framesName));
    const archived = await waitForStage(mrcHandle, ['archived', 'expiring', 'expired']);
    assert.equal(path.basename(archived.archive!.path), `${mrc.imageFilename}.frames.mrc.gz`);
    assert.equal((await fingerprintDecompressed(archived.archive!.path)).hash, archived.fingerprint?.hash);
    assert.deepEqual([...readFileSync(archived.archive!.path).subarray(0, 2)], [0x1f, 0x8b], 'a gzip stream');
    const expired = await waitForStage(mrcHandle, ['expired']);
    assert.equal(existsSync(expired.buffer!.path), false);
    const tifArchived = await waitForStage(tifHandle, ['archived', 'expiring', 'expired']);
    assert.equal(path.basename(tifArchived.archive!.path), `${tif.imageFilename}.frames.tif`);
  });
});
