import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { xxh3 } from '@node-rs/xxhash';
import { copyVerified, defaultTempPath, fingerprintFile, moveNoClobber, VerificationError, type Place } from '../../src/copy.js';
import { SafeRoot } from '../../src/safeFs.js';

const scratch = () => mkdtempSync(path.join(os.tmpdir(), 'copy-test-'));
/** A file in a scratch folder, that folder as its root. */
const at = (file: string): Place => ({ root: new SafeRoot(path.dirname(file)), path: file });

function randomFile(dir: string, name: string, bytes: number, seed = 1): string {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + seed * 17) & 0xff;
  const file = path.join(dir, name);
  writeFileSync(file, data);
  return file;
}

describe('copyVerified', () => {
  it('copies, hashes (XXH3-64 of the whole content) and leaves no temporary file', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src.tif', 20 * 1024 * 1024 + 7);
    const progress: number[] = [];
    const outcome = await copyVerified(at(source), at(path.join(dir, 'dest.tif')), { onProgress: (n) => progress.push(n) });
    assert.equal(outcome.kind, 'copied');
    assert.equal(outcome.fingerprint.hash, xxh3.xxh64(readFileSync(source)).toString(16).padStart(16, '0'));
    assert.deepEqual(readFileSync(path.join(dir, 'dest.tif')), readFileSync(source));
    assert.equal(progress.at(-1), 20 * 1024 * 1024 + 7);
    assert.deepEqual(readdirSync(dir).sort(), ['dest.tif', 'src.tif']);
  });

  it('copies an empty file', async () => {
    const dir = scratch();
    const outcome = await copyVerified(at(randomFile(dir, 'e', 0)), at(path.join(dir, 'd')));
    assert.equal(outcome.fingerprint.bytes, 0);
  });

  it('never overwrites a different file at the destination', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src', 4096, 1);
    const other = randomFile(dir, 'dest', 4096, 2);
    const before = readFileSync(other);
    const outcome = await copyVerified(at(source), at(other));
    assert.equal(outcome.kind, 'destination-differs');
    assert.deepEqual(readFileSync(other), before);
    assert.equal(existsSync(defaultTempPath(other)), false);
  });

  it('reports an identical destination as already present', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src', 4096);
    await copyVerified(at(source), at(path.join(dir, 'dest')));
    const again = await copyVerified(at(source), at(path.join(dir, 'dest')));
    assert.equal(again.kind, 'already-present');
  });

  it('refuses a source whose content is not what was recorded, and publishes nothing', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src', 4096);
    const recorded = await fingerprintFile(source);
    writeFileSync(source, Buffer.alloc(4096, 1));
    await assert.rejects(copyVerified(at(source), at(path.join(dir, 'dest')), { expected: recorded }), VerificationError);
    assert.deepEqual(readdirSync(dir), ['src']);
  });

  it('reuses the same temporary name on a retry, overwriting a half-written one', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src', 100_000);
    const destination = path.join(dir, 'dest');
    writeFileSync(defaultTempPath(destination), 'half a copy from a crashed attempt, longer than nothing');
    await copyVerified(at(source), at(destination));
    assert.deepEqual(readFileSync(destination), readFileSync(source));
    assert.deepEqual(readdirSync(dir).sort(), ['dest', 'src']);
  });

  it('stops cleanly when the progress callback throws (a cancelled activity): no temporary file, no stray write', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src', 40 * 1024 * 1024);
    const cancelled = new Error('cancelled by a hold');
    const copy = copyVerified(at(source), at(path.join(dir, 'dest')), {
      onProgress: (n) => {
        if (n > 10 * 1024 * 1024) throw cancelled;
      },
    });
    await assert.rejects(copy, cancelled);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(readdirSync(dir), ['src']);
  });

  it('publishes nothing when another attempt replaced the temporary file after this one wrote it', async () => {
    const dir = scratch();
    const source = randomFile(dir, 'src', 3 * 1024 * 1024);
    const destination = path.join(dir, 'dest');
    const copy = copyVerified(at(source), at(destination), {
      onProgress: (n) => {
        // A second attempt of the same copy starts over at the same temporary name, and has written half.
        if (n === 3 * 1024 * 1024) {
          rmSync(defaultTempPath(destination));
          writeFileSync(defaultTempPath(destination), Buffer.alloc(1024));
        }
      },
    });
    await assert.rejects(copy, /no longer the file this attempt verified/);
    assert.equal(existsSync(destination), false);
  });

  it('keeps temporary names short for 250-byte movie names', () => {
    assert.ok(Buffer.byteLength(path.basename(defaultTempPath(`/x/${'a'.repeat(250)}`))) < 40);
  });
});

describe('moveNoClobber', () => {
  it('moves, and on a retry after a crash between link and unlink finds the file already there', async () => {
    const dir = scratch();
    const staged = randomFile(dir, 'staged', 1000);
    const fingerprint = await fingerprintFile(staged);
    assert.equal(await moveNoClobber(at(staged), at(path.join(dir, 'final')), fingerprint), 'moved');
    assert.equal(existsSync(staged), false);
    const again = randomFile(dir, 'staged', 1000);
    assert.equal(await moveNoClobber(at(again), at(path.join(dir, 'final')), fingerprint), 'already-present');
    assert.equal(existsSync(again), false);
  });

  it('on a retry after the file was already moved, finds it at the destination (or says nothing was moved)', async () => {
    const dir = scratch();
    const staged = randomFile(dir, 'staged', 1000);
    const fingerprint = await fingerprintFile(staged);
    assert.equal(await moveNoClobber(at(staged), at(path.join(dir, 'final')), fingerprint), 'moved');
    assert.equal(await moveNoClobber(at(staged), at(path.join(dir, 'final')), fingerprint), 'already-present');
    await assert.rejects(moveNoClobber(at(staged), at(path.join(dir, 'elsewhere')), fingerprint), /nothing was moved/);
  });

  it('leaves both files alone when the destination holds something else', async () => {
    const dir = scratch();
    const staged = randomFile(dir, 'staged', 1000, 1);
    const other = randomFile(dir, 'final', 1000, 2);
    assert.equal(await moveNoClobber(at(staged), at(other), await fingerprintFile(staged)), 'destination-differs');
    assert.equal(existsSync(staged), true);
    assert.notDeepEqual(readFileSync(staged), readFileSync(other));
  });

  it('moves across file systems by a verified copy', async (t) => {
    const otherFs = '/dev/shm';
    if (!existsSync(otherFs) || statSync(otherFs).dev === statSync(os.tmpdir()).dev) return t.skip('no second file system');
    const staged = randomFile(scratch(), 'staged', 300_000);
    const fingerprint = await fingerprintFile(staged);
    const destination = path.join(mkdtempSync(path.join(otherFs, 'copy-test-')), 'final');
    assert.equal(await moveNoClobber(at(staged), at(destination), fingerprint), 'moved');
    assert.equal(existsSync(staged), false);
    assert.deepEqual(await fingerprintFile(destination), fingerprint);
  });
});
