import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compressionFor, compressVerified, fingerprintDecompressed } from '../../src/compression.js';
import { fingerprintFile, VerificationError, type Place } from '../../src/copy.js';
import { SafeRoot } from '../../src/safeFs.js';

const at = (file: string): Place => ({ root: new SafeRoot(path.dirname(file)), path: file });

describe('compressVerified', () => {
  const movie = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gz-test-'));
    const file = path.join(dir, 'm.frames.mrc');
    writeFileSync(file, Buffer.alloc(300_000, 7));
    return { dir, file };
  };

  it('writes a gzip copy that decompresses to the movie, and finds an identical one already there', async () => {
    const { dir, file } = movie();
    const expected = await fingerprintFile(file);
    const outcome = await compressVerified(at(file), at(`${file}.gz`), expected);
    assert.equal(outcome.kind, 'copied');
    assert.deepEqual(await fingerprintDecompressed(`${file}.gz`), expected);
    assert.equal((await compressVerified(at(file), at(`${file}.gz`), expected)).kind, 'already-present');
    assert.deepEqual(readdirSync(dir).sort(), ['m.frames.mrc', 'm.frames.mrc.gz']);
  });

  it('refuses a source that is not the recorded movie, leaving nothing behind', async () => {
    const { dir, file } = movie();
    await assert.rejects(compressVerified(at(file), at(`${file}.gz`), { bytes: 300_000, hash: '0000000000000000' }), VerificationError);
    assert.deepEqual(readdirSync(dir), ['m.frames.mrc']);
  });

  it('compresses only .mrc parts, and only when configured', () => {
    assert.equal(compressionFor('.frames.mrc', 'gzip'), 'gzip');
    assert.equal(compressionFor('.frames/frames_0001.mrc', 'gzip'), 'gzip');
    assert.equal(compressionFor('.frames.tif', 'gzip'), undefined);
    assert.equal(compressionFor('.frames.mrc', 'none'), undefined);
  });
});
