import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../workers/workflows.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/histories');

/**
 * Movies sleep for weeks on their expiry timers, across deployments: today's workflow code must replay every
 * history recorded by earlier versions (`npm run record-histories -- <label>` before a workflow change).
 */
describe('replay of recorded histories', () => {
  const labels = existsSync(FIXTURES) ? readdirSync(FIXTURES) : [];

  it('has recorded histories to replay', () => {
    assert.ok(labels.length > 0, `no recorded histories under ${FIXTURES}`);
  });

  for (const label of labels) {
    it(`replays every history recorded by ${label} without a nondeterminism error`, async () => {
      const files = readdirSync(path.join(FIXTURES, label)).filter((f) => f.endsWith('.json'));
      const histories = files.map((file) => ({
        workflowId: decodeURIComponent(file.replace(/^\w+--/, '').replace(/(--run-[\w-]+)?\.json$/, '')),
        history: historyFromJSON(JSON.parse(readFileSync(path.join(FIXTURES, label, file), 'utf8'))),
      }));
      const failures: string[] = [];
      let replayed = 0;
      for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH, replayName: label }, histories)) {
        replayed++;
        if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
      }
      assert.equal(replayed, files.length);
      assert.deepEqual(failures, []);
    });
  }
});
