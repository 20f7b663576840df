import assert from 'node:assert/strict';
import { readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { WorkflowNotFoundError } from '@temporalio/client';
import { movieWorkflowId } from '../../src/operatorNames.js';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startCameraWatcher } from '../../workers/watcher.js';
import { useHarness, waitUntil } from '../helpers/harness.js';

describe('camera watcher', () => {
  const env = useHarness('watcher');

  async function countMovies(query = "WorkflowType = 'ingestMovie'"): Promise<number> {
    return (await env.h.client.workflow.count(query)).count;
  }

  it('starts exactly one workflow per movie across repeated sightings and restarts, and ignores non-movies', async () => {
    const camera = env.h.config.cameras[0]!;
    writeFileSync(path.join(camera.root, '.DS_Store'), 'x');
    writeFileSync(path.join(camera.root, '.hidden.tif'), 'x');
    writeFileSync(path.join(camera.root, 'partial.tif.tmp'), 'x');
    writeFileSync(path.join(camera.root, 'notes.txt'), 'x');
    // No workers run: the workflows stay open, the camera file stays, and every sighting must map to one id.
    const movie = await env.h.microscope.acquire({ bytes: 256 * 1024, writeMs: 1000 });

    const first = await startCameraWatcher(env.h.client, env.h.config, camera);
    await waitUntil(async () => first.handedOver >= 1, 'the first watcher to hand the movie over');
    const touched = new Date();
    utimesSync(movie.cameraFile, touched, touched);
    await new Promise((r) => setTimeout(r, 1500));
    await first.close();

    const second = await startCameraWatcher(env.h.client, env.h.config, camera);
    await waitUntil(async () => second.handedOver >= 1, 'the restarted watcher to see the movie');
    await second.close();

    await waitUntil(async () => (await countMovies()) >= 1, 'visibility to list the workflow', 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await countMovies(), 1);
    assert.equal(await countMovies(`WorkflowId = 'movie:sim-k3:${movie.framesName}'`), 1);
  });

  it('does not hand over a file that is still growing', async () => {
    const camera = env.h.config.cameras[0]!;
    const watcher = await startCameraWatcher(env.h.client, env.h.config, camera);
    const known = new Set(readdirSync(camera.root));
    const growing = env.h.microscope.acquire({ bytes: 4 * 1024 * 1024, writeMs: 3000 });
    const fileName = await waitUntil(async () => readdirSync(camera.root).find((f) => !known.has(f)), 'the new camera file');
    const handle = env.h.client.workflow.getHandle(movieWorkflowId(camera.host, path.parse(fileName).name));
    await new Promise((r) => setTimeout(r, 2000));
    await assert.rejects(handle.describe(), WorkflowNotFoundError, 'nothing started while the camera is still writing');
    await growing;
    await waitUntil(() => handle.describe(), 'the finished movie to be handed over');
    await watcher.close();
  });

  it('takes nothing from a share whose mount marker is missing (an unmounted share looks empty), and resumes when it is back', async () => {
    const camera = { ...env.h.config.cameras[0]!, markerFile: '.share-mounted' };
    rmSync(path.join(camera.root, '.share-mounted'));
    const movie = await env.h.microscope.acquire({ bytes: 64 * 1024 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId(camera.host, movie.framesName));
    const watcher = await startCameraWatcher(env.h.client, env.h.config, camera);
    await waitUntil(async () => watcher.shareDown, 'the share to be reported down');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(watcher.handedOver, 0);
    await assert.rejects(handle.describe(), WorkflowNotFoundError);
    writeFileSync(path.join(camera.root, '.share-mounted'), '');
    await waitUntil(() => handle.describe(), 'the movie to be handed over once the share is back');
    assert.equal(watcher.shareDown, false);
    await watcher.close();
  });
});
