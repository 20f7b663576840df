import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fingerprintFile } from '../../src/copy.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { startRoles, type RunningRoles } from '../../workers/roles.js';
import { createHarness, waitForStage, type Harness } from '../helpers/harness.js';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess.js';

const MOVIE_BYTES = 600 * 1024 * 1024;

describe('a worker killed with SIGKILL in the middle of a copy', () => {
  let h: Harness;
  let orchestration: RunningRoles;
  let worker: WorkerProcess | undefined;
  before(async () => {
    h = await createHarness('crash', { activities: { heartbeatTimeout: '3s' } });
    // Workflows and the watcher run in the test; the buffer host's I/O and archive workers in a real process.
    orchestration = await startRoles(h.config, { roles: ['workflows', 'watcher'] });
  });
  after(async () => {
    await worker?.kill('SIGKILL');
    await orchestration?.stop();
    await h?.stop();
  });

  it('finishes after a restart with identical bytes and no leftover temporary file', async () => {
    const movie = await h.microscope.acquire({ bytes: MOVIE_BYTES });
    const source = await fingerprintFile(movie.cameraFile);
    const staging = path.join(h.dirs.buffer, '.incoming', 'sim-k3');
    worker = await spawnWorkerProcess(h.configFile, ['io', 'archive']);

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

    worker = await spawnWorkerProcess(h.configFile, ['io', 'archive']);
    const handle = h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
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
