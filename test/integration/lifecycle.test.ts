import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fingerprintFile } from '../../src/copy.js';
import { movieWorkflowId, SEARCH_ATTRIBUTES } from '../../src/operatorNames.js';
import { startRoles, ROLES, type RunningRoles } from '../../workers/roles.js';
import { createHarness, waitForStage, type Harness } from '../helpers/harness.js';

describe('ingestMovie, end to end on a real dev server and MariaDB', () => {
  let h: Harness;
  let roles: RunningRoles;
  before(async () => {
    h = await createHarness('lifecycle');
    roles = await startRoles(h.config, { roles: ROLES });
  });
  after(async () => {
    await roles?.stop();
    await h?.stop();
  });

  it('takes a movie through every stage: verified copy, Leginon name, archive, camera freed, expiry', async () => {
    const movie = await h.microscope.acquire({ bytes: 5 * 1024 * 1024 + 123, writeMs: 1500 });
    const sourceFingerprint = await fingerprintFile(movie.cameraFile);
    const handle = h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
    const archived = await waitForStage(handle, ['archived', 'expiring', 'expired'], 60_000);

    const bufferFile = path.join(h.sessionDirs.buffer, `${movie.imageFilename}.frames.tif`);
    const archiveFile = path.join(h.sessionDirs.archive, `${movie.imageFilename}.frames.tif`);
    assert.equal(archived.buffer?.path, bufferFile);
    assert.equal(archived.archive?.path, archiveFile);
    assert.equal(archived.fingerprint?.hash, sourceFingerprint.hash);
    assert.equal(archived.fingerprint?.bytes, 5 * 1024 * 1024 + 123);
    assert.equal(archived.leginon?.session, '25nov25a');
    assert.equal(archived.leginon?.filename, movie.imageFilename);
    assert.equal(existsSync(movie.cameraFile), false, 'camera file is deleted once the copy is verified');
    assert.deepEqual(await fingerprintFile(archiveFile), sourceFingerprint);

    const expired = await waitForStage(handle, ['expired'], 30_000);
    assert.equal(existsSync(bufferFile), false, 'buffer copy removed after expiry');
    assert.deepEqual(await fingerprintFile(archiveFile), sourceFingerprint, 'archive copy untouched');
    assert.deepEqual(Object.keys(expired.stageTimes), ['copying', 'resolving', 'placing', 'freeing-camera', 'archiving', 'archived', 'expiring', 'expired']);
    assert.ok(readdirSync(path.join(h.dirs.buffer, '.incoming', 'sim-k3')).length === 0, 'no staging leftovers');

    const history = await handle.fetchHistory();
    const activities = (history.events ?? [])
      .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)
      .filter(Boolean);
    assert.deepEqual(activities, ['copyFromCamera', 'resolveLeginonName', 'placeInSession', 'freeCamera', 'archiveMovie', 'expireBufferCopy']);
    const description = await handle.describe();
    assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.movieStage), 'expired');
  });
});
