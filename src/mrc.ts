/**
 * The MRC image format, as far as gain and dark references need it: read a 2-D image (modes 0, 1, 2, 6) as
 * float32, and write a float32 image (mode 2). Header layout: MRC2014, little-endian, 1024 bytes.
 */
import { readFile, writeFile } from 'node:fs/promises';

export interface Image2D {
  width: number;
  height: number;
  /** Row-major, `height` rows of `width` pixels. */
  pixels: Float32Array;
}

const HEADER_BYTES = 1024;

export function decodeMrc(data: Buffer): Image2D {
  if (data.length < HEADER_BYTES) throw new Error(`not an MRC file: ${data.length} bytes is shorter than a header`);
  const width = data.readInt32LE(0);
  const height = data.readInt32LE(4);
  const mode = data.readInt32LE(12);
  const extendedHeader = data.readInt32LE(92);
  const offset = HEADER_BYTES + extendedHeader;
  const count = width * height;
  const readers: Record<number, [number, (i: number) => number]> = {
    0: [1, (i) => data.readInt8(offset + i)],
    1: [2, (i) => data.readInt16LE(offset + 2 * i)],
    2: [4, (i) => data.readFloatLE(offset + 4 * i)],
    6: [2, (i) => data.readUInt16LE(offset + 2 * i)],
  };
  const reader = readers[mode];
  if (!reader) throw new Error(`MRC mode ${mode} is not supported for references`);
  if (width <= 0 || height <= 0 || data.length < offset + count * reader[0]) {
    throw new Error(`MRC file is truncated or its header is wrong (${width} x ${height}, mode ${mode}, ${data.length} bytes)`);
  }
  const pixels = new Float32Array(count);
  for (let i = 0; i < count; i++) pixels[i] = reader[1](i);
  return { width, height, pixels };
}

export function encodeMrc(image: Image2D): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of image.pixels) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  [image.width, image.height, 1, 2, 0, 0, 0, image.width, image.height, 1].forEach((v, i) => header.writeInt32LE(v, 4 * i));
  [image.width, image.height, 1, 90, 90, 90].forEach((v, i) => header.writeFloatLE(v, 40 + 4 * i));
  [1, 2, 3].forEach((v, i) => header.writeInt32LE(v, 64 + 4 * i));
  header.writeFloatLE(image.pixels.length ? min : 0, 76);
  header.writeFloatLE(image.pixels.length ? max : 0, 80);
  header.writeFloatLE(image.pixels.length ? sum / image.pixels.length : 0, 84);
  header.write('MAP ', 208, 'latin1');
  header.writeUInt32LE(0x00004444, 212);
  const body = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
  return Buffer.concat([header, body]);
}

export async function readMrc(file: string): Promise<Image2D> {
  return decodeMrc(await readFile(file));
}

export async function writeMrc(file: string, image: Image2D): Promise<void> {
  await writeFile(file, encodeMrc(image));
}
