import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from '../../src/config.js';
import { movieWorkflowId, SEARCH_ATTRIBUTES } from '../../src/operatorNames.js';
import { SimulatedMicroscope } from '../../src/simulator/microscope.js';
import { startRoles, type RunningRoles } from '../../workers/roles.js';
import { movieStatus, useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

describe('two microscopes, each with its own buffer host', () => {
  const env = useHarness('twohosts');
  const running: RunningRoles[] = [];
  after(() => Promise.all(running.map((r) => r.stop())));

  it("routes each camera's movies to its own buffer host's queue, and a worker touches only its own host", async () => {
    const secondBuffer = path.join(env.h.dir, 'buffer2');
    const secondCamera = path.join(env.h.dir, 'camera', 'sim-k3b');
    mkdirSync(secondBuffer, { recursive: true });
    mkdirSync(secondCamera, { recursive: true });
    const raw = JSON.parse(JSON.stringify(env.h.config));
    raw.bufferHosts.push({ name: 'buffer2', root: secondBuffer });
    raw.cameras.push({ host: 'sim-k3b', root: secondCamera, bufferHost: 'buffer2' });
    const config = parseConfig(raw, {});
    const secondMicroscope = await SimulatedMicroscope.setUp(env.h.db, {
      cameraHost: 'sim-k3b',
      cameraRoot: secondCamera,
      session: { name: '25nov25b', imagePath: path.join(env.h.dirs.archive, 'leginon', 'demo', '25nov25b', 'rawdata') },
      bufferHost: { hostname: 'buffer2', basePath: path.join(secondBuffer, 'frames') },
    });

    // First only buffer1's workers (plus orchestration and both watchers).
    running.push(await startRoles(config, { roles: ['workflows', 'watcher'] }));
    running.push(await startRoles(config, { roles: ['io', 'archive'], bufferHosts: ['buffer1'] }));
    const first = await env.h.microscope.acquire({ bytes: 100_000 });
    const second = await secondMicroscope.acquire({ bytes: 100_000 });
    const firstHandle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', first.framesName));
    const secondHandle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3b', second.framesName));

    const firstDone = await waitForStage(firstHandle, ['archived', 'expiring', 'expired']);
    assert.ok(firstDone.buffer!.path.startsWith(env.h.dirs.buffer));
    await waitUntil(() => secondHandle.describe(), 'the second camera movie to start');
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await movieStatus(secondHandle);
    assert.equal(waiting.stage, 'copying', 'no worker of buffer1 picks up buffer2 work');
    assert.equal(waiting.bufferHost, 'buffer2');
    const description = await secondHandle.describe();
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.bufferHost), 'buffer2');
    assert.equal(description.raw.pendingActivities?.[0]?.activityType?.name, 'copyFromCamera');

    running.push(await startRoles(config, { roles: ['io', 'archive'], bufferHosts: ['buffer2'] }));
    const secondDone = await waitForStage(secondHandle, ['archived', 'expiring', 'expired']);
    assert.ok(secondDone.buffer!.path.startsWith(path.join(secondBuffer, 'frames')), secondDone.buffer!.path);
    assert.equal(secondDone.leginon?.session, '25nov25b');
  });
});
