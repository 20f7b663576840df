/**
 * A session owner against the root workers, through what a user really has: their own session folders (which
 * the server hands them), leginondb rows, and the config. Each planted link points at a root-owned file outside
 * every root; after each movie that file must be untouched (content, mode, owner) and the movie either done or
 * parked naming the link, with nothing lost.
 */
import assert from 'node:assert/strict';
import { chownSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { asyncLocalStorage, Context } from '@temporalio/activity';
import type { RowDataPacket } from 'mysql2';
import { createIoActivities } from '../../activities/io.js';
import { parseConfig } from '../../src/config.js';
import { defaultTempPath, fingerprintFile } from '../../src/copy.js';
import { logger } from '../../src/logger.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { probeStorage } from '../../src/storageProbe.js';
import { startRoles } from '../../workers/roles.js';
import { useHarness, waitForStage } from '../helpers/harness.js';

const USER = { uid: 4321, gid: 8765 };

describe('planted links, hostile rows and unsafe configuration against the root workers', () => {
  const env = useHarness('plantedlinks', { roles: ['workflows', 'watcher', 'io', 'archive'], overrides: { expiry: { after: '1h' } } });
  let counter = 0;

  /** A root-owned file outside every root: what the links point at. */
  function precious() {
    const dir = path.join(env.h.dir, 'etc');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `shadow-${++counter}`);
    writeFileSync(file, 'root:$6$secret\n', { mode: 0o600 });
    chownSync(file, 0, 0);
    return {
      file,
      dir,
      assertUntouched() {
        assert.equal(readFileSync(file, 'utf8'), 'root:$6$secret\n', `${file}: content unchanged`);
        const info = statSync(file);
        assert.deepEqual([info.uid, info.gid, info.mode & 0o7777], [0, 0, 0o600], `${file}: owner and mode unchanged`);
        assert.ok(readdirSync(dir).every((name) => name.startsWith('shadow-')), `nothing new in ${dir}`);
      },
    };
  }

  async function movie(imageFilename = `25nov25a_${String(++counter).padStart(5, '0')}hln`) {
    const acquired = await env.h.microscope.acquire({ bytes: 64 * 1024, imageFilename });
    return { ...acquired, handle: env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', acquired.framesName)) };
  }

  it('sets up a session whose folders its owner can write in', async () => {
    await env.h.db.query('UPDATE `SessionData` SET `uid` = ?, `gid` = ?', [USER.uid, USER.gid]);
    const first = await movie();
    await waitForStage(first.handle, ['archived']);
    for (const folder of [env.h.sessionDirs.buffer, env.h.sessionDirs.archive]) assert.equal(statSync(folder).uid, USER.uid, folder);
  });

  it('a link at the archive temporary name: removed, never written through; the movie is archived', async () => {
    const target = precious();
    const next = `25nov25a_temp_${counter}`;
    symlinkSync(target.file, defaultTempPath(path.join(env.h.sessionDirs.archive, `${next}.frames.tif`)));
    const m = await movie(next);
    const archived = await waitForStage(m.handle, ['archived']);
    assert.deepEqual(await fingerprintFile(archived.archive!.path), { bytes: archived.parts![0]!.bytes, hash: archived.parts![0]!.hash });
    assert.equal(lstatSync(archived.archive!.path).isFile(), true);
    target.assertUntouched();
  });

  for (const [label, plant] of [
    ['the final name in the archive', (name: string) => path.join(env.h.sessionDirs.archive, `${name}.frames.tif`)],
    ['transfer.log', () => path.join(env.h.sessionDirs.archive, 'transfer.log')],
    ['the final name on the buffer', (name: string) => path.join(env.h.sessionDirs.buffer, `${name}.frames.tif`)],
  ] as const) {
    it(`a link at ${label}: the movie parks naming it, the target is untouched, nothing is lost`, async () => {
      const target = precious();
      const next = `25nov25a_final_${counter}`;
      const link = plant(next);
      rmSync(link, { force: true });
      symlinkSync(target.file, link);
      const m = await movie(next);
      const parked = await waitForStage(m.handle, ['parked']);
      assert.match(parked.detail ?? '', /symbolic link/);
      assert.ok(parked.detail?.includes(link), `${parked.detail} names ${link}`);
      target.assertUntouched();
      const kept = [m.cameraFile, parked.buffer?.path].filter((f): f is string => Boolean(f) && existsSync(f!));
      assert.ok(kept.length > 0, 'a copy is kept (camera file or buffer copy)');
      rmSync(link);
    });
  }

  it('links in references/ (reference_list.txt, a reference image, the folder itself): parks naming the link, writes nothing through it', async () => {
    const references = path.join(env.h.sessionDirs.buffer, 'references');
    const refs = await env.h.microscope.recordReferences({ flip: false, rotate: 0, darkFrames: 1 });
    const ok = await movie();
    await waitForStage(ok.handle, ['archived']);
    for (const plant of ['reference_list.txt', `${refs.norm}.mrc`, '']) {
      const target = precious();
      const link = plant ? path.join(references, plant) : references;
      if (plant) rmSync(link);
      else renameSync(references, `${references}.real`);
      symlinkSync(plant ? target.file : target.dir, link);
      const m = await movie();
      const parked = await waitForStage(m.handle, ['parked']);
      assert.match(parked.detail ?? '', /symbolic link/, `${plant || 'references/'}: ${parked.detail}`);
      target.assertUntouched();
      rmSync(link);
      if (!plant) renameSync(`${references}.real`, references);
    }
  });

  it('a session folder swapped for a link: the movie parks, nothing is written where the link points', async () => {
    const target = precious();
    const folder = env.h.sessionDirs.buffer;
    renameSync(folder, `${folder}.real`);
    symlinkSync(target.dir, folder);
    try {
      const m = await movie();
      const parked = await waitForStage(m.handle, ['parked']);
      assert.match(parked.detail ?? '', /outside the configured root|symbolic link/);
      assert.equal(existsSync(m.cameraFile), true, 'camera file kept');
      target.assertUntouched();
    } finally {
      rmSync(folder);
      renameSync(`${folder}.real`, folder);
    }
  });

  it('a reference filename with ../ in leginondb: refused, nothing written outside the roots', async () => {
    const target = precious();
    const refs = await env.h.microscope.recordReferences({ flip: false, rotate: 0, darkFrames: 1 });
    const [rows] = await env.h.db.query<RowDataPacket[]>('SELECT `DEF_id` FROM `NormImageData` WHERE `filename` = ?', [refs.norm]);
    const ids = rows.map((r) => r.DEF_id as number);
    await env.h.db.query('UPDATE `NormImageData` SET `filename` = ? WHERE `DEF_id` IN (?)', [`../../../../../../../../..${target.dir}/evil`, ids]);
    const m = await movie();
    try {
      const parked = await waitForStage(m.handle, ['parked']);
      assert.match(parked.detail ?? '', /slash/);
      target.assertUntouched();
      assert.equal(existsSync(path.join(target.dir, 'evil.mrc')), false);
    } finally {
      await env.h.db.query('UPDATE `NormImageData` SET `filename` = ? WHERE `DEF_id` IN (?)', [refs.norm, ids]);
    }
  });

  it('SessionData uid/gid 0/0 (a Leginon on Windows): frames get the image path owner, never root from data', async () => {
    await env.h.db.query('UPDATE `SessionData` SET `uid` = 0, `gid` = 0');
    const imagePath = path.join(env.h.dirs.archive, 'leginon', 'demo', '25nov25a', 'rawdata');
    // The session's image folder is its owner's, as Leginon makes it; only the row says 0/0.
    mkdirSync(imagePath, { recursive: true });
    chownSync(imagePath, USER.uid, USER.gid);
    try {
      const m = await movie();
      const archived = await waitForStage(m.handle, ['archived', 'parked']);
      assert.equal(archived.stage, 'archived', archived.detail);
      for (const file of [archived.buffer!.path, archived.archive!.path]) {
        const info = statSync(file);
        assert.deepEqual([info.uid, info.gid], [USER.uid, USER.gid], file);
      }
    } finally {
      chownSync(imagePath, 0, 0);
      await env.h.db.query('UPDATE `SessionData` SET `uid` = ?, `gid` = ?', [USER.uid, USER.gid]);
    }
  });

  it('freeCamera told a wrong fingerprint (a rogue worker or forged input) deletes nothing', async () => {
    const m = await movie();
    const archived = await waitForStage(m.handle, ['archived']);
    // A camera file that is still there, and a placed buffer copy of the same size that is not a copy of it.
    const camera = path.join(env.h.dirs.camera, '.rogue_victim.tif');
    const victim = Buffer.alloc(statSync(archived.buffer!.path).size, 'x');
    writeFileSync(camera, victim);
    const identity = { bytes: statSync(camera).size, mtimeMs: statSync(camera).mtimeMs };
    const forged = { bytes: identity.bytes, hash: '0123456789abcdef' };
    const io = createIoActivities({ config: env.h.config, bufferHost: env.h.config.bufferHosts[0]!, db: env.h.db, logger });
    const input = {
      cameraHost: 'sim-k3',
      parts: [{ source: '.rogue_victim.tif', targetSuffix: '.frames.tif', sourcePath: camera, stagedPath: camera, identity, fingerprint: forged }],
      placed: [{ targetSuffix: '.frames.tif', path: archived.buffer!.path, fingerprint: forged }],
    };
    await assert.rejects(runAsActivity(() => io.freeCamera(input)), /camera files kept/);
    assert.deepEqual(readFileSync(camera), victim, 'the camera file is still there, whole');
  });

  it('expiry refuses an "archive copy" that is the buffer copy itself (same inode), and keeps it', async () => {
    const m = await movie();
    const archived = await waitForStage(m.handle, ['archived']);
    const bufferCopy = archived.buffer!.path;
    const sameFile = path.join(env.h.sessionDirs.archive, 'same-inode.frames.tif');
    linkSync(bufferCopy, sameFile);
    const io = createIoActivities({ config: env.h.config, bufferHost: env.h.config.bufferHosts[0]!, db: env.h.db, logger });
    const fingerprint = { bytes: archived.parts![0]!.bytes, hash: archived.parts![0]!.hash };
    const part = { targetSuffix: '.frames.tif', fingerprint };
    await assert.rejects(
      runAsActivity(() => io.expireBufferCopy({ buffer: [{ ...part, path: bufferCopy }], archive: [{ ...part, path: sameFile }] })),
      /is the buffer copy .* itself/,
    );
    assert.equal(existsSync(bufferCopy), true, 'the only copy is kept');
    rmSync(sameFile);
  });

  it('expiry told a buffer list with a part the archive list does not back deletes that part nowhere', async () => {
    const m = await movie();
    const archived = await waitForStage(m.handle, ['archived']);
    const unbacked = path.join(env.h.sessionDirs.buffer, 'only-copy.frames.xml');
    writeFileSync(unbacked, '<only copy/>');
    const io = createIoActivities({ config: env.h.config, bufferHost: env.h.config.bufferHosts[0]!, db: env.h.db, logger });
    const fingerprint = { bytes: archived.parts![0]!.bytes, hash: archived.parts![0]!.hash };
    const movieCopy = { targetSuffix: '.frames.tif', fingerprint };
    const input = {
      buffer: [{ targetSuffix: '.frames.xml', path: unbacked, fingerprint: { bytes: 12, hash: '0123456789abcdef' } }, { ...movieCopy, path: archived.buffer!.path }],
      archive: [{ ...movieCopy, path: archived.archive!.path }],
    };
    await assert.rejects(runAsActivity(() => io.expireBufferCopy(input)), /only-copy\.frames\.xml has no verified archive copy/);
    assert.equal(readFileSync(unbacked, 'utf8'), '<only copy/>', 'a buffer file without an archive copy is kept');
    rmSync(unbacked);
  });

  it('activities refuse inputs of the wrong shape before doing anything (a crafted workflow or a rogue worker)', async () => {
    const io = createIoActivities({ config: env.h.config, bufferHost: env.h.config.bufferHosts[0]!, db: env.h.db, logger });
    // mysql2 would expand this object into `frames name` = 1: a lookup that matches some other image.
    await assert.rejects(
      runAsActivity(() => io.resolveLeginonName({ cameraHost: 'sim-k3', framesName: { 'frames name': 1 } as never, suffix: '.frames.tif', lookBackDays: 10 })),
      /resolveLeginonName refused its input \(framesName: /,
    );
    await assert.rejects(
      runAsActivity(() => io.placeInSession({ cameraHost: 'sim-k3', parts: [], bufferDir: '/etc', bufferIsArchive: false, filename: 'x', owner: { uid: 0, gid: 0 } })),
      /placeInSession refused its input \(parts: .*owner\.uid: /,
    );
    await assert.rejects(runAsActivity(() => io.expireBufferCopy({ buffer: 'everything' as never, archive: [] })), /InvalidActivityInput|refused its input/);
  });

  it('refuses to start archive and io workers on a root with no mount marker that is no mount point', async () => {
    const raw = JSON.parse(readFileSync(env.h.configFile, 'utf8'));
    delete raw.archive.markerFile;
    const config = parseConfig(raw, {});
    await assert.rejects(startRoles(config, { roles: ['archive'] }), /archive\.markerFile is not set and .* is not a mount point/);
    // The probe of such a root says "not mounted" and writes nothing under the empty mount point.
    const empty = path.join(env.h.dir, 'unmounted-gpfs');
    mkdirSync(empty);
    const probe = await probeStorage({ root: empty, bufferHost: 'buffer1', timeoutMs: 2000, minFreeBytes: 0 });
    assert.equal(probe.ok, false);
    assert.match(probe.problem ?? '', /not a mount point/);
    assert.deepEqual(readdirSync(empty), []);
  });

  it('no movie of this file failed: every one is archived or parked, still running', async () => {
    const statuses = [];
    for await (const w of env.h.client.workflow.list({ query: "WorkflowType = 'ingestMovie'" })) statuses.push(w.status.name);
    assert.ok(statuses.length > 8 && statuses.every((s) => s === 'RUNNING'), statuses.join(', '));
  });
});

/** Runs an activity function as its worker would, with a context of its own (no server involved). */
function runAsActivity<T>(fn: () => Promise<T>): Promise<T> {
  const info = { attempt: 1, heartbeatTimeoutMs: 60_000 } as Context['info'];
  const context = new Context(info, new Promise<never>(() => undefined), new AbortController().signal, () => undefined, undefined, logger as never, undefined as never, undefined as never);
  return asyncLocalStorage.run(context, fn);
}
