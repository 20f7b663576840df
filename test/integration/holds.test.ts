import assert from 'node:assert/strict';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ingestRequest } from '../../src/ingestRequest.js';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { INGEST_WORKFLOW_TYPE, movieWorkflowId, SIGNALS } from '../../src/operatorNames.js';
import { ROLES } from '../../workers/roles.js';
import { movieStatus, useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

describe('holdArchive / releaseArchive', () => {
  // No watcher: the test starts each movie itself.
  const env = useHarness('holds', { roles: ['workflows', 'io', 'archive'], overrides: { expiry: { after: '1h' } } });

  it('keeps a movie out of the archive until released, and shows the hold in status', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 2 * 1024 * 1024 });
    await movie.rowsInserted;
    const request = ingestRequest(env.h.config, env.h.config.cameras[0]!, path.basename(movie.cameraFile))!;
    const handle = await env.h.client.workflow.signalWithStart(INGEST_WORKFLOW_TYPE, {
      ...request,
      signal: SIGNALS.holdArchive,
      signalArgs: [{ reason: 'GPFS maintenance', by: 'test-operator' }],
    });

    const held = await waitForStage(handle, ['archive-held']);
    assert.equal(held.hold?.reason, 'GPFS maintenance');
    assert.equal(held.hold?.by, 'test-operator');
    assert.match(held.detail ?? '', /GPFS maintenance/);
    assert.equal(existsSync(movie.cameraFile), false, 'a hold does not stop freeing the camera');
    const archiveFile = path.join(env.h.sessionDirs.archive, `${movie.imageFilename}.frames.tif`);

    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await movieStatus(handle)).stage, 'archive-held');
    assert.equal(existsSync(archiveFile), false, 'nothing is archived while held');

    await handle.signal(SIGNALS.releaseArchive);
    const archived = await waitForStage(handle, ['archived']);
    assert.equal(archived.hold, undefined);
    assert.equal(archived.archive?.path, archiveFile);
    assert.equal(existsSync(archiveFile), true);
  });

  it('a hold placed while archived also keeps the buffer copy past expiry until released', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 1024 * 1024 });
    await movie.rowsInserted;
    const request = ingestRequest(env.h.config, env.h.config.cameras[0]!, path.basename(movie.cameraFile))!;
    request.args[0].settings.expiryAfterMs = 5000;
    const handle = await env.h.client.workflow.start(INGEST_WORKFLOW_TYPE, request);
    const archived = await waitForStage(handle, ['archived']);
    await handle.signal(SIGNALS.holdArchive, { reason: 'checking the archive', by: 'test' });
    const held = await waitForStage(handle, ['archive-held'], 10_000);
    assert.equal(held.hold?.reason, 'checking the archive');
    assert.equal(existsSync(archived.buffer!.path), true, 'buffer copy kept while held');
    await handle.signal(SIGNALS.releaseArchive);
    await waitForStage(handle, ['expired']);
    assert.equal(existsSync(archived.buffer!.path), false);
    assert.equal(existsSync(archived.archive!.path), true);
  });

  it('retries a failing archive without giving up, a hold stops the retries, and release archives once storage is back', async () => {
    const archiveDir = env.h.sessionDirs.archive;
    renameSync(archiveDir, `${archiveDir}.away`);
    writeFileSync(archiveDir, 'not a folder: storage is "down"');
    try {
      const movie = await env.h.microscope.acquire({ bytes: 100_000 });
      await movie.rowsInserted;
      const handle = await env.h.client.workflow.start(
        INGEST_WORKFLOW_TYPE,
        ingestRequest(env.h.config, env.h.config.cameras[0]!, path.basename(movie.cameraFile))!,
      );
      const failing = await waitUntil(async () => {
        const pending = (await handle.describe()).raw.pendingActivities?.[0];
        return pending?.activityType?.name === 'archiveMovie' && (pending.attempt ?? 0) >= 3 ? pending : undefined;
      }, 'three failed archive attempts');
      assert.match(failing.lastFailure?.message ?? '', /EEXIST|ENOTDIR/);
      assert.equal((await movieStatus(handle)).stage, 'archiving');

      await handle.signal(SIGNALS.holdArchive, { reason: 'GPFS down', by: 'test' });
      await waitForStage(handle, ['archive-held'], 10_000);
      await waitUntil(async () => ((await handle.describe()).raw.pendingActivities?.length ?? 0) === 0, 'the retries to stop');

      rmSync(archiveDir);
      renameSync(`${archiveDir}.away`, archiveDir);
      await handle.signal(SIGNALS.releaseArchive);
      const archived = await waitForStage(handle, ['archived']);
      assert.equal(existsSync(archived.archive!.path), true);
    } finally {
      if (existsSync(`${archiveDir}.away`)) {
        rmSync(archiveDir, { force: true });
        renameSync(`${archiveDir}.away`, archiveDir);
      }
    }
  });
});

describe('holds of a session, a buffer host, or everything (bufferctl hold --session/--buffer-host/--all)', () => {
  const env = useHarness('scopedholds', { roles: ROLES, overrides: { expiry: { after: '1h' } } });
  const bufferctl = (...args: string[]) => execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, ...args]);

  it('a session hold placed before a movie exists holds it when it arrives; holds of several scopes all need releasing', async () => {
    const placed = await bufferctl('hold', '--session', env.h.sessionName, '--reason', 'GPFS maintenance');
    assert.match(placed.stdout, /hold session 25nov25a: 0 movie\(s\) not yet archived signalled; archived movies keep their buffer copy past expiry, movies arriving later are held too/);
    const movie = await env.h.microscope.acquire({ bytes: 100_000 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const held = await waitForStage(handle, ['archive-held']);
    assert.deepEqual(held.holds?.map((h) => [h.scope, h.reason]), [['session:25nov25a', 'GPFS maintenance']]);
    assert.match(held.detail ?? '', /held \(session 25nov25a\): GPFS maintenance/);

    const fleet = await bufferctl('hold', '--all', '--reason', 'fleet-wide check');
    assert.match(fleet.stdout, /hold every movie: 1 movie\(s\) not yet archived signalled/);
    await waitUntil(async () => (await movieStatus(handle)).holds?.length === 2, 'both holds on the movie');
    const overview = (await bufferctl('status')).stdout;
    assert.match(overview, /HOLD in force on session 25nov25a: GPFS maintenance \(by .*\); lift with bufferctl release --session 25nov25a/);
    assert.match(overview, /HOLD in force on every movie: fleet-wide check .*; lift with bufferctl release --all/);
    assert.match(overview, /HOLDS {6}1 movies held out of the archive/);
    await bufferctl('release', '--session', env.h.sessionName);
    await new Promise((r) => setTimeout(r, 1500));
    const stillHeld = await movieStatus(handle);
    assert.equal(stillHeld.stage, 'archive-held');
    assert.deepEqual(stillHeld.holds?.map((h) => h.scope), ['all']);

    await bufferctl('release', '--all');
    await waitForStage(handle, ['archived']);
    // Lifted holds do not catch movies that arrive afterwards.
    const later = await env.h.microscope.acquire({ bytes: 100_000 });
    const archived = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', later.framesName)), ['archived']);
    assert.equal(archived.holds, undefined);
  });

  it('a session hold signals no archived movie, yet one keeps its buffer copy past its expiry until the release', async () => {
    const movie = await env.h.microscope.acquire({ bytes: 100_000 });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const archived = await waitForStage(handle, ['archived']);
    const placed = await bufferctl('hold', '--session', env.h.sessionName, '--reason', 'checking the archive');
    assert.match(placed.stdout, /hold session 25nov25a: 0 movie\(s\) not yet archived signalled/);
    assert.equal((await movieStatus(handle)).holds, undefined, 'the sleeping movie was not woken');
    // Its expiry comes (early here): it asks archiveHolds first.
    await handle.signal(SIGNALS.expireEarly, { reason: 'test', by: 'test' });
    const held = await waitForStage(handle, ['archive-held'], 10_000);
    assert.deepEqual(held.holds?.map((h) => h.scope), ['session:25nov25a']);
    assert.equal(existsSync(archived.buffer!.path), true);
    const released = await bufferctl('release', '--session', env.h.sessionName);
    assert.match(released.stdout, /release session 25nov25a: 1 movie\(s\) held signalled; the hold is lifted/);
    await waitForStage(handle, ['expired'], 30_000);
    assert.equal(existsSync(archived.buffer!.path), false);
  });

  it('without movies or a scope, says what it needs', async () => {
    const result = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'hold'], { reject: false });
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /name movies, or --session, --buffer-host or --all/);
  });
});
