import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { execa } from 'execa';
import { ingestRequest } from '../../src/ingestRequest.js';
import { INGEST_WORKFLOW_TYPE, movieWorkflowId, SIGNALS } from '../../src/operatorNames.js';
import { useHarness, waitForStage, waitUntil } from '../helpers/harness.js';
import { spawnWorkerProcess, type WorkerProcess } from '../helpers/workerProcess.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));
const MARKER = '.gpfs-mounted';

describe('a movie never fails: holds racing the archive copy, lost workers, permanent errors', () => {
  // The archive worker runs in a process of its own, so that it can be lost.
  const env = useHarness('neverfails', {
    roles: ['workflows', 'io', 'watcher'],
    overrides: { expiry: { after: '1h' }, archive: { markerFile: MARKER, health: { interval: '500ms', timeout: '2s' } } },
  });
  let archiveWorker: WorkerProcess | undefined;
  const startArchiveWorker = async () => (archiveWorker ??= await spawnWorkerProcess(env.h.configFile, ['archive']));
  const loseArchiveWorker = async () => {
    await archiveWorker?.kill('SIGKILL');
    archiveWorker = undefined;
  };
  env.beforeStop(loseArchiveWorker);
  const marker = () => path.join(env.h.dirs.archive, MARKER);
  const running = async (id: string) => (await env.h.client.workflow.getHandle(id).describe()).status.name;

  type Handle = ReturnType<typeof env.h.client.workflow.getHandle>;
  type EventKind = 'activityTaskCancelRequestedEventAttributes' | 'activityTaskCanceledEventAttributes' | 'activityTaskTimedOutEventAttributes';
  const historyHas = (handle: Handle, kind: EventKind, what: string) =>
    waitUntil(async () => (await handle.fetchHistory()).events?.some((e) => e[kind]) || undefined, what, 30_000);
  const cancellationRequested = (handle: Handle) => historyHas(handle, 'activityTaskCancelRequestedEventAttributes', 'the copy to be asked to stop');

  /** A movie whose archive copy waits in its slot for the (unmounted) archive target. */
  async function movieWaitingInArchiveSlot() {
    const movie = await env.h.microscope.acquire({ bytes: 200_000 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    await waitUntil(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((a) => a.activityType?.name === 'archiveMovie' && a.heartbeatDetails) || undefined;
    }, 'the archive copy to wait for the target in its slot');
    return handle;
  }

  // The SDK frees a held movie as soon as the server records the cancellation request (a retried activity has no
  // start event yet), so these two never failed here; they guard the workflow if that changes (ingestMovie's
  // cancelledForHold), and the old attempt that keeps running meanwhile is kept from overlapping a new one
  // (activities/archive.ts afterEarlierAttempts, src/copy.ts publish).
  it('a hold lifted before the copy has acknowledged its cancellation: the movie archives once storage is back', async () => {
    await startArchiveWorker();
    rmSync(marker());
    const handle = await movieWaitingInArchiveSlot();
    await handle.signal(SIGNALS.holdArchive, { reason: 'flap', by: 'test' });
    // Lifted once the workflow asked the copy to stop, before the copy's next heartbeat brings it the request.
    await cancellationRequested(handle);
    await handle.signal(SIGNALS.releaseArchive);
    await historyHas(handle, 'activityTaskCanceledEventAttributes', 'the old attempt to acknowledge');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await running(handle.workflowId), 'RUNNING');
    writeFileSync(marker(), 'mounted\n');
    const archived = await waitForStage(handle, ['archived'], 60_000);
    assert.equal(archived.hold, undefined);
  });

  it('a hold placed and lifted while the archive worker is gone (its copy times out, never retried): the movie archives', async () => {
    await startArchiveWorker();
    rmSync(marker());
    const handle = await movieWaitingInArchiveSlot();
    await loseArchiveWorker();
    await handle.signal(SIGNALS.holdArchive, { reason: 'maintenance', by: 'test' });
    await cancellationRequested(handle);
    await handle.signal(SIGNALS.releaseArchive);
    // The server gives the lost copy up at its heartbeat timeout (not retried: it was being cancelled).
    await historyHas(handle, 'activityTaskTimedOutEventAttributes', 'the lost copy to time out');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(await running(handle.workflowId), 'RUNNING');
    await startArchiveWorker();
    writeFileSync(marker(), 'mounted\n');
    await waitForStage(handle, ['archived'], 60_000);
  });

  it('a permanent error parks the movie with its reason and the command that resumes it', async () => {
    const request = ingestRequest(env.h.config, env.h.config.cameras[0]!, '26jan01a_00042.frames.tif')!;
    const handle = await env.h.client.workflow.start(INGEST_WORKFLOW_TYPE, request);
    const parked = await waitForStage(handle, ['parked'], 30_000);
    assert.match(parked.detail ?? '', /camera file .*26jan01a_00042\.frames\.tif is gone .*Nothing is lost; after fixing it: bufferctl retry movie:sim-k3:26jan01a_00042/);
  });

  it('a terminated movie is counted in bufferctl status, and can be ingested again', async () => {
    const request = ingestRequest(env.h.config, env.h.config.cameras[0]!, '26jan01a_00043.frames.tif')!;
    const handle = await env.h.client.workflow.start(INGEST_WORKFLOW_TYPE, request);
    await handle.terminate('test: an operator ended it');
    const { stdout } = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'status']);
    assert.match(stdout, /FAILED {5}1 movie workflows failed or were terminated/);
    assert.match(stdout, /failed {8}temporal workflow list .*ExecutionStatus IN \('Failed', 'Terminated', 'TimedOut'\)/);
    await env.h.client.workflow.start(INGEST_WORKFLOW_TYPE, request).catch((error: unknown) => {
      assert.fail(error instanceof WorkflowExecutionAlreadyStartedError ? 'a terminated movie could not be started again' : String(error));
    });
    await env.h.client.workflow.getHandle(request.workflowId).terminate('test done');
  });
});
