import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { movieWorkflowId, QUERIES, storageHealthWorkflowId } from '../../src/operatorNames.js';
import type { TargetHealth } from '../../src/storageHealth.js';
import { ROLES } from '../../workers/roles.js';
import { useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

describe('archive target health: an unmounted archive is never written to, and the backlog drains when it is back', () => {
  const env = useHarness('storagehealth', {
    roles: ROLES,
    overrides: { expiry: { after: '1h' }, archive: { markerFile: '.gpfs-mounted', health: { interval: '500ms', timeout: '2s' } } },
  });

  it('gates archive copies on the probe', async () => {
    const marker = path.join(env.h.dirs.archive, '.gpfs-mounted');
    const health = () => env.h.client.workflow.getHandle(storageHealthWorkflowId('gpfs', 'buffer1')).query<TargetHealth>(QUERIES.health);
    // No marker yet: the mount point is "empty", the target is down.
    const down = await waitUntil(async () => ((await health()).state === 'down' ? health() : undefined), 'the target to be reported down');
    assert.match(down.lastProbe!.problem!, /not mounted: \.gpfs-mounted is missing/);

    const movies = [];
    for (let i = 0; i < 3; i++) movies.push(await env.h.microscope.acquire({ bytes: 40_000 }));
    const handles = movies.map((m) => env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', m.framesName)));
    for (const handle of handles) {
      await waitUntil(async () => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        return pending.some((a) => a.activityType?.name === 'archiveMovie' && /archive target gpfs is down since .*not mounted/.test(a.lastFailure?.message ?? ''));
      }, `${handle.workflowId}'s archive attempt to wait for the target`);
    }
    // Nothing was written to the unmounted mount point: not the movies, not even the probe file.
    assert.deepEqual(readdirSync(env.h.dirs.archive).filter((f) => f !== 'frames' && f !== 'leginon'), []);
    assert.equal(existsSync(env.h.sessionDirs.archive) ? readdirSync(env.h.sessionDirs.archive).length : 0, 0);
    const probesWhileDown = (await health()).failedProbes;
    assert.ok(probesWhileDown >= 2);

    // The overview an operator reads at 3 a.m. says all of it, with the queries behind it.
    const overview = await waitUntil(async () => {
      const { stdout } = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'status']);
      return /backlog {4}3 movies not yet archived/.test(stdout) ? stdout : undefined;
    }, 'the overview to count the backlog');
    assert.match(overview, /^buffer host buffer1 -> archive target gpfs$/m);
    assert.match(overview, /storage {4}gpfs DOWN since .*: not mounted: \.gpfs-mounted is missing/);
    assert.match(overview, /movies {5}archiving 3/);
    assert.match(overview, /backlog {4}3 movies not yet archived, 0\.0 GiB; oldest movie:sim-k3:\S+ \(archiving, 0 min old\)/);
    assert.match(overview, /not archived {2}temporal workflow list --namespace default --query "WorkflowType = 'ingestMovie' AND MovieStage IN \('copying', .*'parked'\) AND ExecutionStatus = 'Running' AND BufferHost = 'buffer1'"/);

    writeFileSync(marker, 'mounted\n');
    for (const handle of handles) await waitForStage(handle, ['archived'], 30_000);
    const up = await health();
    assert.equal(up.state, 'up');
    assert.ok(up.lastProbe!.freeBytes! > 0);
    assert.ok(existsSync(path.join(env.h.dirs.archive, '.cryo-buffer-health', 'buffer1.probe')));
    rmSync(marker);
  });
});
