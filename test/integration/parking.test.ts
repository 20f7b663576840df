import assert from 'node:assert/strict';
import { appendFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fingerprintFile } from '../../src/copy.js';
import { describe, it } from 'node:test';
import { movieWorkflowId, SIGNALS } from '../../src/operatorNames.js';
import { ROLES } from '../../workers/roles.js';
import { movieStatus, useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

describe('a movie whose Leginon row is late or missing', () => {
  const env = useHarness('parking', { roles: ROLES });

  it('waits for a row that arrives after the file, within the grace period', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 512 * 1024, rowDelayMs: null });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const waiting = await waitUntil(async () => {
      const status = await movieStatus(handle);
      return status.stage === 'resolving' && status.lookups >= 1 ? status : undefined;
    }, 'the first lookup that finds nothing');
    assert.match(waiting.detail ?? '', /looking again/);
    await env.h.microscope.recordImage(movie.framesName, movie.imageFilename);
    const status = await waitForStage(handle, ['archived', 'expiring', 'expired']);
    assert.ok(status.lookups >= 2, `looked up ${status.lookups} times`);
    assert.equal(status.stageTimes.parked, undefined, 'never parked');
  });

  it('parks a movie with no row after the grace period, moves the camera file to the holding folder, and resumes on retry', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 512 * 1024, rowDelayMs: null });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const parked = await waitForStage(handle, ['parked']);
    const heldPath = path.join(path.dirname(movie.cameraFile), '.unknown-frames', path.basename(movie.cameraFile));
    assert.match(parked.detail ?? '', /no Leginon image has frames name/);
    assert.match(parked.detail ?? '', new RegExp(`moved on the camera to ${heldPath}`));
    assert.match(parked.detail ?? '', /bufferctl retry .*\(signal retry\)/);
    assert.equal(parked.camera.path, heldPath);
    assert.equal(existsSync(movie.cameraFile), false, 'off the watched folder');
    assert.equal((await fingerprintFile(heldPath)).hash, parked.fingerprint?.hash, 'kept, whole, in the holding folder');

    await env.h.microscope.recordImage(movie.framesName, movie.imageFilename);
    await handle.signal(SIGNALS.retry);
    const archived = await waitForStage(handle, ['archived', 'expiring', 'expired']);
    assert.equal(archived.leginon?.filename, movie.imageFilename);
    assert.equal(existsSync(heldPath), false, 'freed from the holding folder once placed');
  });
});

describe('unknownFiles: delete', () => {
  const env = useHarness('parkdelete', { roles: ROLES, overrides: { leginon: { grace: '2s', lookupInterval: '500ms', unknownFiles: 'delete' } } });

  it('deletes an unrecorded camera file only because its verified copy stays in staging, and still resumes', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 256 * 1024, rowDelayMs: null });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const parked = await waitForStage(handle, ['parked']);
    assert.match(parked.detail ?? '', /deleted from the camera; its verified copy is/);
    assert.equal(existsSync(movie.cameraFile), false);
    assert.equal((await fingerprintFile(parked.buffer!.path)).hash, parked.fingerprint?.hash, 'the staged copy holds the movie');

    await env.h.microscope.recordImage(movie.framesName, movie.imageFilename);
    await handle.signal(SIGNALS.retry);
    const archived = await waitForStage(handle, ['archived', 'expiring', 'expired']);
    assert.equal((await fingerprintFile(archived.archive!.path)).hash, parked.fingerprint?.hash);
  });

  it('keeps a camera file that changed after it was copied: parked, not deleted', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 128 * 1024, rowDelayMs: null });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    await waitUntil(async () => (await movieStatus(handle)).lookups >= 1, 'the first lookup');
    appendFileSync(movie.cameraFile, 'the camera wrote more');
    const parked = await waitForStage(handle, ['parked']);
    assert.match(parked.detail ?? '', /changed after it was copied; it is kept/);
    assert.equal(existsSync(movie.cameraFile), true);
  });
});

describe('leginondb unreachable', () => {
  const env = useHarness('deaddb', {
    roles: ROLES,
    overrides: { leginondb: { url: 'mysql://root@127.0.0.1:1/leginondb' }, leginon: { grace: '1s', lookupInterval: '200ms' } },
  });

  it('is never read as "no row": past the grace period nothing is parked, hidden or deleted, and the error is visible', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 64 * 1024 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const failing = await waitUntil(async () => {
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      return pending?.activityType?.name === 'resolveLeginonName' && (pending.attempt ?? 0) >= 3 ? pending : undefined;
    }, 'failing lookups');
    assert.match(failing.lastFailure?.message ?? '', /ECONNREFUSED|connect/);
    await new Promise((r) => setTimeout(r, 2000));
    const status = await movieStatus(handle);
    assert.equal(status.stage, 'resolving');
    assert.equal(status.lookups, 0, 'no lookup ever answered');
    assert.equal(existsSync(movie.cameraFile), true, 'the camera file stays where it is');
  });
});
