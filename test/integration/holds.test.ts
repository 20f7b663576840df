import assert from 'node:assert/strict';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ingestRequest } from '../../src/ingestRequest.js';
import { INGEST_WORKFLOW_TYPE, SIGNALS } from '../../src/operatorNames.js';
import { movieStatus, useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

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
