import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { movieWorkflowId, SEARCH_ATTRIBUTES } from '../../src/operatorNames.js';
import { startRoles, type RunningRoles } from '../../workers/roles.js';
import { movieStatus, useHarness, waitForStage, waitUntil } from '../helpers/harness.js';
import { addSecondMicroscope } from '../helpers/secondMicroscope.js';

describe('two microscopes, each with its own buffer host', () => {
  const env = useHarness('twohosts');
  const running: RunningRoles[] = [];
  env.beforeStop(() => Promise.all(running.map((r) => r.stop())));

  it("routes each camera's movies to its own buffer host's queue, and a worker touches only its own host", async () => {
    const { config, microscope: secondMicroscope, dirs } = await addSecondMicroscope(env.h);

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
    assert.ok(secondDone.buffer!.path.startsWith(path.join(dirs.buffer, 'frames')), secondDone.buffer!.path);
    assert.equal(secondDone.leginon?.session, '25nov25b');
  });
});
