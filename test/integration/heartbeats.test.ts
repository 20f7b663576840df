import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { execa } from 'execa';
import type { HeartbeatDetails } from '../../src/fileProgress.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { ROLES } from '../../workers/roles.js';
import { useHarness, waitForStage } from '../helpers/harness.js';

const GiB = 1024 ** 3;

describe('a multi-GiB movie under a heartbeat timeout far shorter than any of its reads', () => {
  const env = useHarness('heartbeats', {
    roles: ROLES,
    overrides: { activities: { heartbeatTimeout: '2s', maximumRetryInterval: '2s' }, expiry: { after: '3s' } },
  });

  it('heartbeats its progress in every full-file loop, and every step succeeds at its first attempt', async () => {
    const bytes = 3 * GiB + 12_345;
    const movie = await env.h.microscope.acquire({ bytes, writeMs: 2_000 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    /** Every file step seen in a heartbeat, by activity. */
    const seen = new Map<string, Set<string>>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const pending = await handle.describe().then((d) => d.raw.pendingActivities ?? [], () => []);
        for (const activity of pending) {
          const payload = activity.heartbeatDetails?.payloads?.[0];
          const file = payload && (defaultPayloadConverter.fromPayload(payload) as HeartbeatDetails).file;
          if (!file || file.bytesTotal < bytes) continue;
          assert.ok(file.bytesDone <= file.bytesTotal);
          const name = activity.activityType?.name ?? '?';
          seen.set(name, (seen.get(name) ?? new Set()).add(file.step));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const archived = await waitForStage(handle, ['archived'], 600_000);
    // As on GPFS days later, the archive copy is no longer in this host's page cache when expiry reads it back.
    await execa('dd', [`if=${archived.archive!.path}`, 'iflag=nocache', 'count=0', 'status=none']);
    const status = await waitForStage(handle, ['expired'], 600_000).finally(() => (polling = false));
    await poll;
    // Without heartbeats a read of 3 GiB (or its fsync) outlasts 2 s: the attempt times out and is tried again, forever.
    assert.deepEqual(status.attempts, { copyFromCamera: 1, placeInSession: 1, freeCamera: 1, archiveMovie: 1, expireBufferCopy: 1 });
    // The re-read of the archive copy before the buffer copy goes, the longest silent loop before.
    assert.ok(seen.get('expireBufferCopy')?.has('hash'), `expiry's re-read of the archive copy heartbeats: ${JSON.stringify([...seen].map(([a, s]) => [a, [...s]]))}`);
    assert.ok(seen.get('copyFromCamera')?.has('copy'));
    assert.ok(seen.get('archiveMovie')?.has('copy'));
  });
});
