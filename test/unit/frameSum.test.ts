import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeMrcStack } from '../../src/mrc.js';
import { sumFrames } from '../../src/preprocess/frameSum.js';
import { encodeTiffStack } from '../../src/simulator/tiff.js';

describe('raw frame sums of movies, for the gain check', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'frame-sum-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const stack = { width: 48, height: 32, frames: Array.from({ length: 5 }, (_, f) => Float32Array.from({ length: 48 * 32 }, (_, i) => (i * 7 + f * 3) % 11)) };
  const sumOf = async (file: string, format: 'mrc' | 'tif' | 'eer', frames: number) => {
    const handle = await open(path.join(dir, file));
    try {
      return await sumFrames(handle, file, format, frames);
    } finally {
      await handle.close();
    }
  };
  const expected = (frames: number) => Float32Array.from({ length: 48 * 32 }, (_, i) => stack.frames.slice(0, frames).reduce((sum, frame) => sum + frame[i]!, 0));

  it('sums the first frames of an MRC stack and of a K3-style LZW TIFF alike', async () => {
    writeFileSync(path.join(dir, 'm.mrc'), encodeMrcStack(stack));
    writeFileSync(path.join(dir, 'm.tif'), encodeTiffStack(stack));
    for (const [file, format] of [['m.mrc', 'mrc'], ['m.tif', 'tif']] as const) {
      const sum = await sumOf(file, format, 3);
      assert.deepEqual([sum.width, sum.height, sum.frames], [48, 32, 3], file);
      assert.deepEqual(sum.pixels, expected(3), file);
    }
  });

  it('says which formats it does not read, and where a stack ends early', async () => {
    writeFileSync(path.join(dir, 'm.eer'), 'EER');
    await assert.rejects(sumOf('m.eer', 'eer', 3), /EER movies are not read by the gain check/);
    const whole = encodeMrcStack(stack);
    writeFileSync(path.join(dir, 'cut.mrc'), whole.subarray(0, whole.length - 100));
    await assert.rejects(sumOf('cut.mrc', 'mrc', 5), /cut\.mrc ends inside frame 5 of 5/);
  });
});
