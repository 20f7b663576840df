import assert from 'node:assert/strict';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { useHarness, waitForStage } from '../helpers/harness.js';
import { addSecondMicroscope } from '../helpers/secondMicroscope.js';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess.js';

/**
 * A facility's deployment on one machine: every role in its own process, as the systemd units run them on their
 * hosts (deploy/systemd/), against one Temporal cluster, with two microscopes each served by its own buffer host.
 */
describe('several hosts: each role its own process', () => {
  const env = useHarness('multihost', { overrides: { expiry: { after: '1h' } } });
  const processes: WorkerProcess[] = [];
  after(() => Promise.all(processes.map((p) => p.kill('SIGTERM'))));

  it("lands every movie on its own buffer host, and no io worker touches another host's files", async () => {
    const second = await addSecondMicroscope(env.h);
    const spawn = async (roles: string[], selection: string[] = []) => {
      const worker = await spawnWorkerProcess(second.configFile, roles, selection);
      processes.push(worker);
      return worker;
    };
    await spawn(['workflows']);
    const io1 = await spawn(['io'], ['--buffer-host', 'buffer1']);
    const io2 = await spawn(['io'], ['--buffer-host', 'buffer2']);
    await spawn(['archive']);
    await spawn(['watcher'], ['--camera', 'sim-k3']);
    await spawn(['watcher'], ['--camera', 'sim-k3b']);

    const movies = [];
    for (let i = 0; i < 3; i++) {
      movies.push({ camera: 'sim-k3', movie: await env.h.microscope.acquire({ bytes: 50_000 }) });
      movies.push({ camera: 'sim-k3b', movie: await second.microscope.acquire({ bytes: 50_000 }) });
    }
    for (const { camera, movie } of movies) {
      const status = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId(camera, movie.framesName)), ['archived'], 90_000);
      const [bufferHost, root] = camera === 'sim-k3' ? ['buffer1', env.h.dirs.buffer] : ['buffer2', second.dirs.buffer];
      assert.equal(status.bufferHost, bufferHost);
      assert.ok(status.buffer!.path.startsWith(root + path.sep), `${status.buffer!.path} is not under ${root}`);
      assert.ok(status.archive!.path.startsWith(env.h.dirs.archive + path.sep));
    }

    // Each io process copied its own three movies, and its log names no file of the other host or camera.
    const copies = (worker: WorkerProcess) => worker.log().split('\n').filter((line) => line.includes('"copied from camera and verified"'));
    assert.equal(copies(io1).length, 3);
    assert.equal(copies(io2).length, 3);
    for (const [worker, foreign] of [
      [io1, [second.dirs.buffer, second.dirs.camera]],
      [io2, [env.h.dirs.buffer + path.sep, env.h.dirs.camera + path.sep]],
    ] as const) {
      for (const root of foreign) assert.ok(!worker.log().includes(root), `an io worker touched ${root}`);
    }
  });
});
