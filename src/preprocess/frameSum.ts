/**
 * The raw sum of a movie's first frames, as the camera counted them (no gain, no dark): what the gain sentinel
 * holds against the gain reference. MRC stacks are read frame by frame from their offsets; TIFF stacks (one image
 * per frame; a K3's are LZW-compressed) through geotiff, its byte ranges served from a handle this module opened.
 * Movies are gigabytes: only `maxFrames` frames are read. The caller opens the movie (SafeRoot.openFile: no link
 * followed, confined to its root). EER is not read here (its frames are electron events).
 */
import type { FileHandle } from 'node:fs/promises';
import { BaseClient, BaseResponse, fromCustomClient } from 'geotiff';
import { addMrcFrame, mrcLayout, type Image2D } from '../mrc.js';
import type { MovieFormat } from './motioncor2.js';

export interface FrameSum extends Image2D {
  /** Frames summed. */
  frames: number;
}

/** `file` names the movie in messages; `handle` is it, open for reading. */
export async function sumFrames(handle: FileHandle, file: string, format: MovieFormat, maxFrames: number): Promise<FrameSum> {
  if (format === 'mrc') return sumMrcFrames(handle, file, maxFrames);
  if (format === 'tif') return sumTiffFrames(handle, file, maxFrames);
  throw new Error(`${format.toUpperCase()} movies are not read by the gain check (only MRC and TIFF frame stacks)`);
}

async function sumMrcFrames(handle: FileHandle, file: string, maxFrames: number): Promise<FrameSum> {
  const header = Buffer.alloc(1024);
  await handle.read(header, 0, 1024, 0);
  const { width, height, frames, mode, bytesPerValue, dataOffset } = mrcLayout(header);
  const frameBytes = width * height * bytesPerValue;
  const pixels = new Float32Array(width * height);
  const data = Buffer.alloc(frameBytes);
  const count = Math.min(frames, maxFrames);
  for (let frame = 0; frame < count; frame++) {
    const { bytesRead } = await handle.read(data, 0, frameBytes, dataOffset + frame * frameBytes);
    if (bytesRead < frameBytes) throw new Error(`${file} ends inside frame ${frame + 1} of ${frames}`);
    addMrcFrame(data, mode, pixels);
  }
  return { width, height, pixels, frames: count };
}

/** geotiff's "remote" client, answering its Range requests from an open file. */
class HandleClient extends BaseClient {
  constructor(private readonly handle: FileHandle, private readonly size: number) {
    super('file:');
  }

  override async request(options?: RequestInit): Promise<BaseResponse> {
    const range = /bytes=(\d+)-(\d+)/.exec(new Headers(options?.headers).get('range') ?? '');
    const start = Number(range?.[1] ?? 0);
    const end = Math.min(Number(range?.[2] ?? this.size - 1), this.size - 1);
    const data = new Uint8Array(Math.max(0, end - start + 1));
    await this.handle.read(data, 0, data.length, start);
    const headers: Record<string, string> = { 'content-range': `bytes ${start}-${end}/${this.size}`, 'content-type': 'application/octet-stream' };
    return new (class extends BaseResponse {
      override get ok() {
        return true;
      }
      override get status() {
        return 206;
      }
      override getHeader(name: string) {
        return headers[name.toLowerCase()];
      }
      override async getData() {
        return data.buffer;
      }
    })();
  }
}

async function sumTiffFrames(handle: FileHandle, file: string, maxFrames: number): Promise<FrameSum> {
  const tiff = await fromCustomClient(new HandleClient(handle, (await handle.stat()).size));
  const count = Math.min(await tiff.getImageCount(), maxFrames);
  let sum: FrameSum | undefined;
  for (let frame = 0; frame < count; frame++) {
    const image = await tiff.getImage(frame);
    const [raster] = (await image.readRasters()) as unknown as ArrayLike<number>[];
    sum ??= { width: image.getWidth(), height: image.getHeight(), pixels: new Float32Array(image.getWidth() * image.getHeight()), frames: count };
    if (image.getWidth() !== sum.width || image.getHeight() !== sum.height) throw new Error(`${file}: frame ${frame + 1} differs in size from frame 1`);
    for (let i = 0; i < sum.pixels.length; i++) sum.pixels[i]! += raster![i]!;
  }
  if (!sum) throw new Error(`${file} holds no frames`);
  return sum;
}
