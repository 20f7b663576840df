/**
 * The MRC image format, as far as gain and dark references need it: read a 2-D image (modes 0, 1, 2, 6) as
 * float32, and write float32 images and frame stacks (mode 2). Header layout: MRC2014, little-endian, 1024 bytes.
 */
import { readFile } from 'node:fs/promises';

export interface Image2D {
  width: number;
  height: number;
  /** Row-major, `height` rows of `width` pixels. */
  pixels: Float32Array;
}

const HEADER_BYTES = 1024;

/** Bytes per value and the reader of value i from `offset`, per MRC mode. */
const VALUE_READERS: Record<number, [number, (data: Buffer, offset: number, i: number) => number]> = {
  0: [1, (data, offset, i) => data.readInt8(offset + i)],
  1: [2, (data, offset, i) => data.readInt16LE(offset + 2 * i)],
  2: [4, (data, offset, i) => data.readFloatLE(offset + 4 * i)],
  6: [2, (data, offset, i) => data.readUInt16LE(offset + 2 * i)],
};

/** What the 1024-byte header says: the frames' size and count, and where frame i's values start. */
export function mrcLayout(header: Buffer): { width: number; height: number; frames: number; mode: number; bytesPerValue: number; dataOffset: number } {
  if (header.length < HEADER_BYTES) throw new Error(`not an MRC file: ${header.length} bytes is shorter than a header`);
  const [width, height, frames, mode] = [0, 4, 8, 12].map((at) => header.readInt32LE(at)) as [number, number, number, number];
  const reader = VALUE_READERS[mode];
  if (!reader) throw new Error(`MRC mode ${mode} is not supported`);
  return { width, height, frames: Math.max(1, frames), mode, bytesPerValue: reader[0], dataOffset: HEADER_BYTES + header.readInt32LE(92) };
}

/** Adds one frame's values (`data` from its first byte) into `into`. */
export function addMrcFrame(data: Buffer, mode: number, into: Float32Array): void {
  const read = VALUE_READERS[mode]![1];
  for (let i = 0; i < into.length; i++) into[i]! += read(data, 0, i);
}

export function decodeMrc(data: Buffer): Image2D {
  const { width, height, mode, bytesPerValue, dataOffset } = mrcLayout(data);
  const count = width * height;
  if (width <= 0 || height <= 0 || data.length < dataOffset + count * bytesPerValue) {
    throw new Error(`MRC file is truncated or its header is wrong (${width} x ${height}, mode ${mode}, ${data.length} bytes)`);
  }
  const pixels = new Float32Array(count);
  addMrcFrame(data.subarray(dataOffset), mode, pixels);
  return { width, height, pixels };
}

export function encodeMrc(image: Image2D): Buffer {
  return encodeMrcStack({ width: image.width, height: image.height, frames: [image.pixels] });
}

/** A float32 stack of equally sized frames (a movie), `ispg` 0 as MotionCor2 and RELION expect of a stack. */
export function encodeMrcStack(stack: { width: number; height: number; frames: Float32Array[] }): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  const { width, height, frames } = stack;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (const frame of frames) {
    for (const v of frame) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    count += frame.length;
  }
  const depth = frames.length;
  [width, height, depth, 2, 0, 0, 0, width, height, depth].forEach((v, i) => header.writeInt32LE(v, 4 * i));
  [width, height, depth, 90, 90, 90].forEach((v, i) => header.writeFloatLE(v, 40 + 4 * i));
  [1, 2, 3, depth > 1 ? 0 : 1].forEach((v, i) => header.writeInt32LE(v, 64 + 4 * i));
  header.writeFloatLE(count ? min : 0, 76);
  header.writeFloatLE(count ? max : 0, 80);
  header.writeFloatLE(count ? sum / count : 0, 84);
  header.write('MAP ', 208, 'latin1');
  header.writeUInt32LE(0x00004444, 212);
  return Buffer.concat([header, ...frames.map((f) => Buffer.from(f.buffer, f.byteOffset, f.byteLength))]);
}

export async function readMrc(file: string): Promise<Image2D> {
  return decodeMrc(await readFile(file));
}
