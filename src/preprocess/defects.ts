/**
 * Leginon's corrector plan as the defect file motion correction reads (MotionCor2 `-DefectFile`, RELION
 * `--defect_file`): one rectangle "x y w h" per line, in the frames' pixels, which the engines fill from their
 * good neighbours. The plan is the one the reference copier wrote beside the frames (its `_mod` copy when the
 * frames are turned), so it is already in the frames' orientation; the frames' size comes from the movie itself.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseDefectPlan, type DefectPlan } from '../references.js';
import type { MovieFormat } from './motioncor2.js';

export interface FrameSize {
  width: number;
  height: number;
}

/** The plan does not fit the frames (another camera size, super-resolution frames): applying it would be wrong. */
export class DefectPlanMismatch extends Error {}

/** A defect plan file's three lines (bad columns, bad rows, bad pixels), as defectPlanText writes them. */
export function readDefectPlanText(text: string): DefectPlan {
  const [columns = '', rows = '', pixels = ''] = text.split('\n');
  return parseDefectPlan(columns, rows, pixels);
}

/** The defect file's text and how many rectangles it holds; refuses a plan with a defect outside the frames. */
export function defectFileText(plan: DefectPlan, { width, height }: FrameSize): { text: string; rectangles: number } {
  const outside = (what: string, x: number, y: number) => {
    if (x < 0 || y < 0 || x >= width || y >= height) {
      throw new DefectPlanMismatch(`${what} lies outside the ${width} x ${height} frames: the plan is for another frame size`);
    }
  };
  const lines: string[] = [];
  for (const column of plan.badColumns) {
    outside(`bad column ${column}`, column, 0);
    lines.push(`${column} 0 1 ${height}`);
  }
  for (const row of plan.badRows) {
    outside(`bad row ${row}`, 0, row);
    lines.push(`0 ${row} ${width} 1`);
  }
  for (const [x, y] of plan.badPixels) {
    outside(`bad pixel (${x}, ${y})`, x, y);
    lines.push(`${x} ${y} 1 1`);
  }
  return { text: lines.map((line) => `${line}\n`).join(''), rectangles: lines.length };
}

/** Reads `length` bytes of the movie at `offset` (fewer at its end). */
export type ByteReader = (offset: number, length: number) => Promise<Buffer>;

/** The size of a movie's frames from its header: MRC (nx, ny) or the first TIFF image (TIFF and EER, classic or BigTIFF). */
export async function frameSizeOf(format: MovieFormat, read: ByteReader): Promise<FrameSize> {
  if (format === 'mrc') {
    const header = await read(0, 8);
    if (header.length < 8) throw new Error('the MRC header is truncated');
    return checked({ width: header.readInt32LE(0), height: header.readInt32LE(4) }, 'MRC header');
  }
  return checked(await tiffImageSize(read), 'first TIFF image');
}

/** frameSizeOf over a movie file, reading only its header. */
export async function frameSizeOfFile(file: string, format: MovieFormat): Promise<FrameSize> {
  const movie = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await frameSizeOf(format, async (offset, length) => {
      const { buffer, bytesRead } = await movie.read(Buffer.alloc(length), 0, length, offset);
      return buffer.subarray(0, bytesRead);
    });
  } finally {
    await movie.close();
  }
}

const TIFF_IMAGE_WIDTH = 256;
const TIFF_IMAGE_LENGTH = 257;

async function tiffImageSize(read: ByteReader): Promise<FrameSize> {
  const header = await read(0, 16);
  const order = header.toString('latin1', 0, 2);
  if (header.length < 8 || (order !== 'II' && order !== 'MM')) throw new Error('not a TIFF file (no byte-order mark)');
  const little = order === 'II';
  const u16 = (b: Buffer, at: number) => (little ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (b: Buffer, at: number) => (little ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const u64 = (b: Buffer, at: number) => Number(little ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
  const big = u16(header, 2) === 43;
  if (!big && u16(header, 2) !== 42) throw new Error(`not a TIFF file (version ${u16(header, 2)})`);
  const [countBytes, entryBytes, valueAt] = big ? [8, 20, 12] : [2, 12, 8];
  const ifd = big ? u64(header, 8) : u32(header, 4);
  const count = big ? u64(await read(ifd, 8), 0) : u16(await read(ifd, 2), 0);
  const entries = await read(ifd + countBytes, count * entryBytes);
  const size: Partial<FrameSize> = {};
  for (let at = 0; at + entryBytes <= entries.length; at += entryBytes) {
    const tag = u16(entries, at);
    if (tag !== TIFF_IMAGE_WIDTH && tag !== TIFF_IMAGE_LENGTH) continue;
    const type = u16(entries, at + 2);
    // SHORT, LONG or (BigTIFF) LONG8, left-justified in the value field.
    const value = type === 3 ? u16(entries, at + valueAt) : type === 16 ? u64(entries, at + valueAt) : u32(entries, at + valueAt);
    if (tag === TIFF_IMAGE_WIDTH) size.width = value;
    else size.height = value;
  }
  return { width: size.width ?? 0, height: size.height ?? 0 };
}

function checked(size: FrameSize, where: string): FrameSize {
  if (!(size.width > 0 && size.height > 0)) throw new Error(`the ${where} gives no frame size (${size.width} x ${size.height})`);
  return size;
}
