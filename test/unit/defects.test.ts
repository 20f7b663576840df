import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMrcStack } from '../../src/mrc.js';
import { DefectPlanMismatch, defectFileText, frameSizeOf, readDefectPlanText, type ByteReader } from '../../src/preprocess/defects.js';
import { defectPlanText } from '../../src/references.js';
import { encodeTiffStack } from '../../src/simulator/tiff.js';

const readerOf =
  (bytes: Buffer): ByteReader =>
  async (offset, length) =>
    bytes.subarray(offset, offset + length);

/** A one-image TIFF whose first IFD lies after its pixels, as libtiff often writes them. */
function tiffWithIfdAtEnd({ bigEndian = false, bigTiff = false, width = 5760, height = 4092 }): Buffer {
  const u16 = (v: number) => Buffer.from(bigEndian ? [v >> 8, v & 255] : [v & 255, v >> 8]);
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    if (bigEndian) b.writeUInt32BE(v);
    else b.writeUInt32LE(v);
    return b;
  };
  const u64 = (v: number) => {
    const b = Buffer.alloc(8);
    if (bigEndian) b.writeBigUInt64BE(BigInt(v));
    else b.writeBigUInt64LE(BigInt(v));
    return b;
  };
  const pixels = Buffer.alloc(64);
  const headerBytes = bigTiff ? 16 : 8;
  const ifd = headerBytes + pixels.length;
  const header = bigTiff
    ? Buffer.concat([Buffer.from(bigEndian ? 'MM' : 'II', 'latin1'), u16(43), u16(8), u16(0), u64(ifd)])
    : Buffer.concat([Buffer.from(bigEndian ? 'MM' : 'II', 'latin1'), u16(42), u32(ifd)]);
  // Width as SHORT (left-justified in the value field), height as LONG, and a tag before them to skip.
  const entry = (tag: number, type: number, value: Buffer) =>
    Buffer.concat([u16(tag), u16(type), bigTiff ? u64(1) : u32(1), value, Buffer.alloc((bigTiff ? 8 : 4) - value.length)]);
  const entries = [entry(254, 4, u32(0)), entry(256, 3, u16(width)), entry(257, 4, u32(height))];
  return Buffer.concat([header, pixels, bigTiff ? u64(entries.length) : u16(entries.length), ...entries, bigTiff ? u64(0) : u32(0)]);
}

describe('defect file for motion correction', () => {
  const plan = readDefectPlanText(defectPlanText({ badColumns: [3], badRows: [1, 7], badPixels: [[4, 0], [9, 5]] }));

  it('reads the plan the reference copier wrote and turns it into x y w h rectangles of the frames', () => {
    assert.deepEqual(plan, { badColumns: [3], badRows: [1, 7], badPixels: [[4, 0], [9, 5]] });
    assert.deepEqual(defectFileText(plan, { width: 10, height: 8 }), {
      text: '3 0 1 8\n0 1 10 1\n0 7 10 1\n4 0 1 1\n9 5 1 1\n',
      rectangles: 5,
    });
    assert.deepEqual(defectFileText(readDefectPlanText('[]\n[]\n[]\n'), { width: 10, height: 8 }), { text: '', rectangles: 0 });
  });

  it('refuses a plan with a defect outside the frames instead of filling the wrong pixels', () => {
    assert.throws(() => defectFileText(plan, { width: 10, height: 7 }), (error: Error) => {
      assert.ok(error instanceof DefectPlanMismatch);
      assert.equal(error.message, 'bad row 7 lies outside the 10 x 7 frames: the plan is for another frame size');
      return true;
    });
    assert.throws(() => defectFileText(plan, { width: 9, height: 8 }), /bad pixel \(9, 5\) lies outside the 9 x 8 frames/);
  });

  it("takes the frames' size from an MRC header or the first TIFF image (classic, big-endian, BigTIFF)", async () => {
    const frame = new Float32Array(6 * 4);
    assert.deepEqual(await frameSizeOf('mrc', readerOf(encodeMrcStack({ width: 6, height: 4, frames: [frame, frame] }))), { width: 6, height: 4 });
    assert.deepEqual(await frameSizeOf('tif', readerOf(encodeTiffStack({ width: 6, height: 4, frames: [frame, frame] }))), { width: 6, height: 4 });
    assert.deepEqual(await frameSizeOf('tif', readerOf(tiffWithIfdAtEnd({}))), { width: 5760, height: 4092 });
    assert.deepEqual(await frameSizeOf('eer', readerOf(tiffWithIfdAtEnd({ bigEndian: true }))), { width: 5760, height: 4092 });
    assert.deepEqual(await frameSizeOf('tif', readerOf(tiffWithIfdAtEnd({ bigTiff: true }))), { width: 5760, height: 4092 });
    await assert.rejects(frameSizeOf('tif', readerOf(Buffer.from('not a tiff at all'))), /not a TIFF file/);
    await assert.rejects(frameSizeOf('mrc', readerOf(Buffer.alloc(4))), /MRC header is truncated/);
  });
});
