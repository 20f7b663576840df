/**
 * The safe file-system module against what a session owner can do in their own folder: plant links at every
 * name the server uses, swap a folder for a link while the server works, hard-link someone else's file, mount a
 * file system of their own over a folder. Real files and links in scratch folders; run as root (as the workers).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PathOutsideRootError } from '../../src/paths.js';
import { SafeRoot, UnsafePathError } from '../../src/safeFs.js';

const USER = { uid: 4242, gid: 4343 };

/** A root with a user's session folder in it, and a precious file outside every root. */
function layout() {
  const base = mkdtempSync(path.join(os.tmpdir(), 'safefs-'));
  const root = path.join(base, 'buffer');
  const session = path.join(root, 'frames', 'anna', '25nov25a', 'rawdata');
  const outside = path.join(base, 'etc');
  mkdirSync(session, { recursive: true });
  mkdirSync(outside);
  const precious = path.join(outside, 'shadow');
  writeFileSync(precious, 'root:secret\n', { mode: 0o600 });
  return { base, root, session, outside, precious, safe: new SafeRoot(root) };
}

function untouched(precious: string) {
  assert.equal(readFileSync(precious, 'utf8'), 'root:secret\n', 'content unchanged');
  const info = statSync(precious);
  assert.equal(info.mode & 0o7777, 0o600, 'mode unchanged');
  assert.equal(info.uid, 0, 'owner unchanged');
}

describe('SafeRoot', () => {
  it('never creates through a link planted at a new name; replacing a stale name removes only the link', async () => {
    const { session, precious, safe } = layout();
    const temp = path.join(session, '.0123456789abcdef.partial');
    symlinkSync(precious, temp);
    await assert.rejects(safe.createFile(temp), { code: 'EEXIST' });
    const handle = await safe.createFile(temp, { replaceStale: true });
    await handle.write('movie bytes');
    await handle.chown(USER.uid, USER.gid);
    await handle.close();
    untouched(precious);
    assert.equal(lstatSync(temp).isFile(), true, 'a new file of its own took the name');
  });

  it('refuses to open, append to or read through a link at an existing name', async () => {
    const { session, precious, safe } = layout();
    const log = path.join(session, 'transfer.log');
    symlinkSync(precious, log);
    await assert.rejects(safe.append(log, 'archived\n'), UnsafePathError);
    await assert.rejects(safe.openFile(log), UnsafePathError);
    await assert.rejects(safe.readText(log), UnsafePathError);
    untouched(precious);
  });

  it('refuses a link anywhere on the way, and creates nothing beyond it', async () => {
    const { root, outside, precious, safe } = layout();
    symlinkSync(outside, path.join(root, 'frames', 'bob'));
    await assert.rejects(safe.ensureFolder(path.join(root, 'frames', 'bob', 'x', 'rawdata')), UnsafePathError);
    await assert.rejects(safe.createFile(path.join(root, 'frames', 'bob', 'shadow')), UnsafePathError);
    await assert.rejects(safe.unlink(path.join(root, 'frames', 'bob', 'shadow')), UnsafePathError);
    assert.deepEqual(readdirSync(outside), ['shadow']);
    untouched(precious);
  });

  it('refuses a path that leaves the root lexically', async () => {
    const { root, safe } = layout();
    await assert.rejects(safe.ensureFolder(path.join(root, 'frames', '..', '..', 'etc')), PathOutsideRootError);
    await assert.rejects(safe.createFile('/etc/cron.daily/evil.mrc'), PathOutsideRootError);
  });

  it('unlinks a planted link itself, never its target', async () => {
    const { session, precious, safe } = layout();
    const name = path.join(session, 'movie.frames.tif');
    symlinkSync(precious, name);
    await safe.unlink(name);
    assert.equal(existsSync(name), false);
    untouched(precious);
  });

  it('gives a folder to the session owner only when it creates it: never a parent, never one that was there', async () => {
    const { root, safe } = layout();
    const folder = path.join(root, 'frames', 'carl', '26jan01a', 'rawdata');
    const made = await safe.ensureFolder(folder, { mode: 0o750, owner: USER });
    assert.deepEqual(made.created, [path.join(root, 'frames', 'carl'), path.join(root, 'frames', 'carl', '26jan01a'), folder]);
    assert.equal(statSync(folder).uid, USER.uid);
    assert.equal(statSync(folder).mode & 0o7777, 0o750);
    for (const parent of [path.dirname(folder), path.join(root, 'frames', 'carl')]) {
      assert.equal(statSync(parent).uid, 0, `${parent} stays root's`);
      assert.equal(statSync(parent).mode & 0o7777, 0o755);
    }
    const existing = path.join(root, 'frames', 'shared');
    mkdirSync(existing);
    chownSync(existing, 1, 1);
    await safe.ensureFolder(existing, { mode: 0o750, owner: USER });
    assert.equal(statSync(existing).uid, 1, 'a folder that was there keeps its owner');
  });

  it('appends only to its own or the session owner\'s single-link files', async () => {
    const { session, outside, safe } = layout();
    const list = path.join(session, 'reference_list.txt');
    await safe.append(list, 'a\n', { owner: USER });
    chownSync(list, USER.uid, USER.gid);
    await safe.append(list, 'b\n', { owner: USER });
    assert.equal(readFileSync(list, 'utf8'), 'a\nb\n');
    const foreign = path.join(session, 'foreign.txt');
    writeFileSync(foreign, '');
    chownSync(foreign, 9999, 9999);
    await assert.rejects(safe.append(foreign, 'x', { owner: USER }), /owned by uid 9999/);
    const other = path.join(outside, 'root-file');
    writeFileSync(other, 'keep\n');
    linkSync(other, path.join(session, 'hardlinked.log'));
    await assert.rejects(safe.append(path.join(session, 'hardlinked.log'), 'x'), /hard links/);
    assert.equal(readFileSync(other, 'utf8'), 'keep\n');
  });

  it('refuses a folder on another file system inside the root (a user mounting over their own folder)', async (t) => {
    const { session, safe } = layout();
    const mountPoint = path.join(session, 'mounted');
    mkdirSync(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    } catch {
      return t.skip('cannot mount a tmpfs here');
    }
    try {
      await assert.rejects(safe.createFile(path.join(mountPoint, 'x')), /another file system/);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
  });

  it('writes nothing outside the root while a folder on the way is swapped for a link, again and again', async () => {
    const { root, session, outside, precious, safe } = layout();
    const parent = path.dirname(session);
    const real = `${parent}.real`;
    let swapping = true;
    const swapper = (async () => {
      // The session owner's loop: the folder and a link to /etc take turns under the same name.
      while (swapping) {
        renameSync(parent, real);
        symlinkSync(outside, parent);
        await new Promise((r) => setImmediate(r));
        rmSync(parent);
        renameSync(real, parent);
        await new Promise((r) => setImmediate(r));
      }
    })();
    let refused = 0;
    let written = 0;
    try {
      for (let i = 0; i < 400; i++) {
        const file = path.join(session, `movie_${i}.frames.tif`);
        try {
          const handle = await safe.createFile(file, { replaceStale: true });
          await handle.write('frames');
          await handle.close();
          await safe.append(path.join(session, 'transfer.log'), `${i}\n`);
          written++;
        } catch (error) {
          // Refused (a link on the way) or a fault to retry (the folder was away, or back but not yet a folder).
          if (!['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '') && !(error instanceof UnsafePathError)) throw error;
          refused++;
        }
      }
    } finally {
      swapping = false;
      await swapper;
    }
    assert.deepEqual(readdirSync(outside), ['shadow'], 'nothing created outside the root');
    untouched(precious);
    assert.ok(written > 0 && refused > 0, `both outcomes seen (written ${written}, refused ${refused})`);
    assert.ok(readdirSync(root).length > 0);
  });
});
