import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodePendingActivityState } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { execa } from 'execa';
import { TRANSFER_LOG } from '../../activities/archive.js';
import { movieWorkflowId, QUERIES, SIGNALS, storageHealthWorkflowId } from '../../src/operatorNames.js';
import type { TargetHealth } from '../../src/storageHealth.js';
import { ROLES } from '../../workers/roles.js';
import { movieStatus, useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

/** GPFS behind its mount marker, probed twice a second: outages show within a second. */
const PROBED_ARCHIVE = { markerFile: '.gpfs-mounted', health: { interval: '500ms', timeout: '2s' } };

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

describe('archive target health: an unmounted archive is never written to, and the backlog drains when it is back', () => {
  const env = useHarness('storagehealth', {
    roles: ROLES,
    overrides: { expiry: { after: '1h' }, archive: PROBED_ARCHIVE },
  });

  it('gates archive copies on the probe', async () => {
    const marker = path.join(env.h.dirs.archive, '.gpfs-mounted');
    const health = () => env.h.client.workflow.getHandle(storageHealthWorkflowId('gpfs', 'buffer1')).query<TargetHealth>(QUERIES.health);
    // GPFS unmounted: the marker is gone, the mount point is "empty", the target is down.
    rmSync(marker);
    const down = await waitUntil(async () => ((await health()).state === 'down' ? health() : undefined), 'the target to be reported down');
    assert.match(down.lastProbe!.problem!, /not mounted: \.gpfs-mounted is missing/);

    const movies = [];
    for (let i = 0; i < 3; i++) movies.push(await env.h.microscope.acquire({ bytes: 40_000 }));
    const handles = movies.map((m) => env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', m.framesName)));
    // The two oldest wait in the host's two archive slots; the third waits in the queue behind them, not retrying.
    const archiveWait = async (handle: (typeof handles)[number]) => {
      const pending = ((await handle.describe()).raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'archiveMovie');
      if (!pending) return undefined;
      if (decodePendingActivityState(pending.state) === 'SCHEDULED') return 'queued';
      const details = pending.heartbeatDetails?.payloads?.[0];
      const waiting = details && (defaultPayloadConverter.fromPayload(details) as { waiting?: string }).waiting;
      return waiting && /archive target gpfs is down since .*not mounted/.test(waiting) ? 'waiting' : undefined;
    };
    // A freed slot takes the next task only at the worker's next poll, so a snapshot can briefly show two queued.
    const waits = await waitUntil(async () => {
      const states = await Promise.all(handles.map(archiveWait));
      return [...states].sort().join() === 'queued,waiting,waiting' ? states : undefined;
    }, 'two archive copies to wait for the target in their slots and one in the queue');
    const queued = handles[waits.indexOf('queued')]!;
    const attemptsWhileDown = await Promise.all(handles.map(async (h) => (await h.describe()).raw.pendingActivities?.[0]?.attempt));
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
    assert.match(overview, /backlog {4}3 movies not yet archived, [\d.]+ [KMG]iB; oldest movie:sim-k3:\S+ \(archiving, 0 min old\)/);
    assert.match(overview, /not archived {2}temporal workflow list --namespace default --query "WorkflowType = 'ingestMovie' AND MovieStage IN \('copying', .*'parked'\) AND ExecutionStatus = 'Running' AND BufferHost = 'buffer1'"/);

    assert.deepEqual(attemptsWhileDown, [1, 1, 1], 'no retries while the target is down');

    writeFileSync(marker, 'mounted\n');
    for (const handle of handles) await waitForStage(handle, ['archived'], 30_000);
    // Drained in queue order: the movie that waited in the queue is archived last.
    const log = readFileSync(path.join(env.h.sessionDirs.archive, TRANSFER_LOG), 'utf8').trim().split('\n');
    const queuedMovie = movies[handles.indexOf(queued)]!;
    assert.match(log.at(-1)!, new RegExp(`\\t${queuedMovie.imageFilename}\\.frames\\.tif\\t`));
    // The health workflow's view follows at its next probe.
    const up = await waitUntil(async () => ((await health()).state === 'up' ? health() : undefined), 'the target to be reported up');
    assert.ok(up.lastProbe!.freeBytes! > 0);
    assert.ok(existsSync(path.join(env.h.dirs.archive, '.cryo-buffer-health', 'buffer1.probe')));
    rmSync(marker);
  });
});

describe('a backlog after an outage, one archive slot', () => {
  const env = useHarness('storagebacklog', {
    roles: ROLES,
    overrides: { expiry: { after: '1h' }, archive: { ...PROBED_ARCHIVE, concurrency: 1 } },
  });

  it('drains a backlog in the order the movies arrived, and no copy waiting out an outage times out', async () => {
    const marker = path.join(env.h.dirs.archive, '.gpfs-mounted');
    const health = () => env.h.client.workflow.getHandle(storageHealthWorkflowId('gpfs', 'buffer1')).query<TargetHealth>(QUERIES.health);
    rmSync(marker, { force: true });
    await waitUntil(async () => (await health()).state === 'down', 'the target to be reported down');
    const movies = [];
    // A second apart (a K3 at full rate writes one every 3.6 s): movies whose tasks reach the queue within
    // milliseconds of each other may be queued in either order (each movie's history shard sends its own).
    for (let i = 0; i < 8; i++) {
      movies.push(await env.h.microscope.acquire({ bytes: 20_000 }));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const handles = movies.map((m) => env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', m.framesName)));
    // Every movie has asked for its archive copy (one waits in the slot, the rest in the queue) before the target is back.
    await waitUntil(async () => (await Promise.all(handles.map(async (h) => (await h.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'archiveMovie')))).every(Boolean), 'all archive copies to be scheduled');
    const { events } = await handles[0]!.fetchHistory();
    const scheduled = events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'archiveMovie')!.activityTaskScheduledEventAttributes!;
    const startToCloseDays = Number(scheduled.startToCloseTimeout!.seconds) / 86_400;
    assert.ok(startToCloseDays >= 28, `a copy waiting in its slot gives up after ${startToCloseDays} days and rejoins the end of the queue`);

    // Arrival is when a movie asked for its archive copy (its Leginon lookup may finish in another order).
    const askedAt = async (handle: (typeof handles)[number]) => {
      const history = await handle.fetchHistory();
      const event = history.events!.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'archiveMovie')!;
      return Number(event.eventTime!.seconds) * 1e3 + event.eventTime!.nanos! / 1e6;
    };
    const arrival = await Promise.all(movies.map(async (movie, i) => ({ movie, at: await askedAt(handles[i]!) })));
    arrival.sort((a, b) => a.at - b.at);

    writeFileSync(marker, 'mounted\n');
    for (const handle of handles) await waitForStage(handle, ['archived'], 60_000);
    const log = readFileSync(path.join(env.h.sessionDirs.archive, TRANSFER_LOG), 'utf8').trim().split('\n');
    const order = arrival.map(({ movie }) => log.findIndex((line) => line.includes(`\t${movie.imageFilename}.frames.tif\t`)));
    // One slot, so the log's order is the order the copies started in: the order they arrived (one partition per queue).
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `archived out of arrival order: ${order.join(' ')} (asked ${arrival.map(({ at }) => Math.round(at - arrival[0]!.at)).join(' ')} ms after the first)`);
    rmSync(marker);
  });
});

describe('expiry with the archive target unmounted', () => {
  const env = useHarness('expiryunmounted', {
    roles: ROLES,
    overrides: { expiry: { after: '1h' }, archive: PROBED_ARCHIVE },
  });

  it('waits on its own queue, keeping the buffer copy, and never archives the movie again', async () => {
    const marker = path.join(env.h.dirs.archive, '.gpfs-mounted');
    const movie = await env.h.microscope.acquire({ bytes: 60_000 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const archived = await waitForStage(handle, ['archived'], 30_000);
    rmSync(marker);
    await handle.signal(SIGNALS.expireEarly, { reason: 'test', by: 'test' });
    const waiting = await waitUntil(async () => {
      const pending = ((await handle.describe()).raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'expireBufferCopy');
      return pending?.lastFailure?.message?.includes('is not mounted') ? pending : undefined;
    }, 'expiry to wait for the archive target');
    assert.match(waiting.lastFailure!.message!, /^archive target gpfs is not mounted \(\.gpfs-mounted is missing under .*\); the buffer copy stays until its archive copy can be checked$/);
    const status = await movieStatus(handle);
    assert.equal(status.stage, 'expiring');
    assert.equal(existsSync(archived.buffer!.path), true);
    assert.deepEqual(status.warnings.filter((w) => /archived again/.test(w)), []);
    writeFileSync(marker, 'mounted\n');
    const expired = await waitForStage(handle, ['expired'], 30_000);
    assert.deepEqual(expired.warnings.filter((w) => /archived again/.test(w)), []);
    const queues = ((await handle.fetchHistory()).events ?? []).flatMap((e) => {
      const scheduled = e.activityTaskScheduledEventAttributes;
      return scheduled?.activityType?.name === 'expireBufferCopy' ? [scheduled.taskQueue?.name] : [];
    });
    assert.deepEqual(queues, ['expire@buffer1']);
  });
});

describe('a full buffer', () => {
  const env = useHarness('bufferfull', { roles: ROLES, overrides: { capacity: { reserveGiB: 1_000_000 } } });

  it('makes copy-off-camera wait with a clear reason, writing nothing and leaving the camera file', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 100_000 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    await waitUntil(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const failure = pending.find((a) => a.activityType?.name === 'copyFromCamera')?.lastFailure?.message ?? '';
      return /^buffer .* is full: [\d.]+ [KMGT]iB free, this movie needs 97\.7 KiB and capacity\.reserveGiB keeps 977 TiB; waiting, nothing written, the camera file stays$/.test(failure);
    }, 'the copy to wait for room');
    assert.equal(existsSync(movie.cameraFile), true);
    const staging = path.join(env.h.dirs.buffer, '.incoming', 'sim-k3');
    assert.deepEqual(existsSync(staging) ? readdirSync(staging) : [], []);
  });
});

describe('buffer above its high watermark, with capacity.expireEarly', () => {
  // Any real disk is more than 0.01% full: the buffer is "above the high watermark" from the start.
  const env = useHarness('watermarks', {
    roles: ROLES,
    overrides: { expiry: { after: '1h' }, capacity: { reserveGiB: 0, highWatermark: 0.0002, lowWatermark: 0.0001, expireEarly: true, checkInterval: '500ms' } },
  });

  it('expires archived movies early (archive re-verified first) and never a held one', async () => {
    const held = await env.h.microscope.acquire({ bytes: 50_000 });
    const heldHandle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', held.framesName));
    await waitUntil(() => heldHandle.describe(), 'the held movie to start');
    await heldHandle.signal(SIGNALS.holdArchive, { reason: 'keep for checks', by: 'test' });
    const free = await env.h.microscope.acquire({ bytes: 50_000 });
    const freeHandle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', free.framesName));
    const expired = await waitForStage(freeHandle, ['expired'], 30_000);
    assert.match(expired.warnings.join('\n'), /expired early: buffer .* used, ABOVE the high watermark \(0\.0%\) \(by capacity\)/);
    assert.equal(existsSync(expired.archive!.path), true);
    assert.equal(existsSync(expired.buffer!.path), false);

    const stillHeld = await waitForStage(heldHandle, ['archive-held'], 30_000);
    assert.equal(existsSync(stillHeld.buffer!.path), true, 'a held movie keeps its buffer copy');
    const dryRun = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'expire', '--dry-run']);
    assert.match(dryRun.stdout, /buffer host buffer1: \d+ archived movies still on the buffer/);
    assert.match(dryRun.stdout, /% used, ABOVE the high watermark/);
  });
});
