import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compressVerified, fingerprintDecompressed } from '../../src/compression.js';
import { copyVerified, fingerprintFile, moveNoClobber, type Place } from '../../src/copy.js';
import { withFileProgress, type FileProgress, type FileStep } from '../../src/fileProgress.js';
import { SafeRoot } from '../../src/safeFs.js';

const MiB = 1024 * 1024;
const at = (file: string): Place => ({ root: new SafeRoot(path.dirname(file)), path: file });

function patternedFile(bytes: number): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'file-progress-')), 'movie.mrc');
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4096) data.writeUInt32LE(i, i);
  writeFileSync(file, data);
  return file;
}

/** Runs `work`, collecting every report of every loop inside it. */
async function reports(work: () => Promise<unknown>): Promise<FileProgress[]> {
  const seen: FileProgress[] = [];
  await withFileProgress((p) => seen.push(p), work);
  return seen;
}

/** The largest run of bytes a step read between two of its reports: what an activity is silent for. */
function largestSilence(seen: FileProgress[], step: FileStep): number {
  const done = seen.filter((p) => p.step === step).map((p) => p.bytesDone);
  assert.ok(done.length > 1, `no ${step} reported`);
  return Math.max(...done.slice(1).map((d, i) => d - done[i]!));
}

describe('full-file loops report their progress (activities heartbeat it)', () => {
  const bytes = 40 * MiB + 5;

  it('hashing a file reports at every chunk, of its whole size', async () => {
    const file = patternedFile(bytes);
    const seen = await reports(() => fingerprintFile(file));
    assert.ok(largestSilence(seen, 'hash') <= 8 * MiB);
    assert.ok(seen.every((p) => p.bytesTotal === bytes));
  });

  it('a copy reports its copy and its read-back', async () => {
    const file = patternedFile(bytes);
    const seen = await reports(() => copyVerified(at(file), at(`${file}.copy`)));
    assert.ok(largestSilence(seen, 'copy') <= 8 * MiB);
    assert.ok(largestSilence(seen, 'read-back') <= 8 * MiB);
  });

  it('finding an identical file at a move\'s destination reports the comparison', async () => {
    const file = patternedFile(bytes);
    const fingerprint = await fingerprintFile(file);
    await copyVerified(at(file), at(`${file}.placed`));
    const seen = await reports(() => moveNoClobber(at(file), at(`${file}.placed`), fingerprint));
    assert.ok(largestSilence(seen, 'hash') <= 8 * MiB);
  });

  it('compressing reports the read of the source and the decompressed read-back; so does checking a compressed copy', async () => {
    const file = patternedFile(bytes);
    const fingerprint = await fingerprintFile(file);
    const seen = await reports(() => compressVerified(at(file), at(`${file}.gz`), fingerprint));
    assert.ok(largestSilence(seen, 'compress') <= 8 * MiB);
    assert.ok(seen.some((p) => p.step === 'decompress'));
    const check = await reports(() => fingerprintDecompressed(`${file}.gz`));
    assert.ok(check.filter((p) => p.step === 'decompress').length > 1);
  });

  it('a listener that throws (a cancelled activity) stops a read-back midway', async () => {
    const file = patternedFile(bytes);
    const cancelled = new Error('cancelled by a hold');
    await assert.rejects(
      withFileProgress((p) => {
        if (p.bytesDone > 16 * MiB) throw cancelled;
      }, () => fingerprintFile(file)),
      cancelled,
    );
  });
});
