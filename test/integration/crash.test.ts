import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fingerprintFile } from '../../src/copy.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { useHarness, waitForStage } from '../helpers/harness.js';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess.js';

const MOVIE_BYTES = 600 * 1024 * 1024;

describe('a worker killed with SIGKILL in the middle of a copy', () => {
  // Workflows and the watcher run in the test; the buffer host's I/O and archive workers in a real process.
  const env = useHarness('crash', { roles: ['workflows', 'watcher'], overrides: { activities: { heartbeatTimeout: '3s' } } });
  let worker: WorkerProcess | undefined;
  after(() => worker?.kill('SIGKILL'));

  it('finishes after a restart with identical bytes and no leftover temporary file', async () => {
    const movie = await env.h.microscope.acquire({ bytes: MOVIE_BYTES });
    const source = await fingerprintFile(movie.cameraFile);
    const staging = path.join(env.h.dirs.buffer, '.incoming', 'sim-k3');
    worker = await spawnWorkerProcess(env.h.configFile, ['io', 'archive']);

    // Kill the moment the temporary file is part-written.
    const deadline = Date.now() + 60_000;
    let killedAt: number | undefined;
    while (Date.now() < deadline && killedAt === undefined) {
      const partial = existsSync(staging) ? readdirSync(staging).find((f) => f.endsWith('.partial')) : undefined;
      const size = partial ? statSync(path.join(staging, partial), { throwIfNoEntry: false })?.size : undefined;
      if (size !== undefined && size > 0 && size < MOVIE_BYTES) {
        await worker.kill('SIGKILL');
        killedAt = size;
      } else {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    assert.ok(killedAt, 'caught the copy in flight');
    assert.ok(existsSync(movie.cameraFile), 'the camera file survives the crash');

    worker = await spawnWorkerProcess(env.h.configFile, ['io', 'archive']);
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const archived = await waitForStage(handle, ['archived', 'expiring', 'expired'], 120_000);
    assert.equal(archived.fingerprint?.hash, source.hash);
    assert.ok((archived.attempts.copyFromCamera ?? 0) >= 2, `copy needed ${archived.attempts.copyFromCamera} attempts`);
    assert.deepEqual(await fingerprintFile(archived.archive!.path), source);
    assert.deepEqual(readdirSync(staging), [], 'no temporary or staged file left behind');
    const sessionFiles = readdirSync(path.dirname(archived.buffer!.path));
    assert.ok(sessionFiles.every((f) => !f.includes('partial')), `session folder: ${sessionFiles.join(', ')}`);
    assert.equal(existsSync(movie.cameraFile), false);
  });
});
