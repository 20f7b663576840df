/**
 * Optional compression of `.mrc` movies on their way to primary storage (transfermonitor.sh did it with pbzip2;
 * TIFF and EER are compressed already). gzip from Node's own zlib; a compressed copy counts as verified only
 * once it has been read back, decompressed, and hashed to the movie's fingerprint.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { xxh3 } from '@node-rs/xxhash';
import {
  defaultTempPath,
  describeContent,
  fingerprintAt,
  fingerprintFile,
  hex,
  publish,
  setOwnershipFor,
  type NewFileOwnership,
  type Place,
  writeFully,
  sameContent,
  SourceDamagedError,
  VerificationError,
  type CopyOutcome,
  type FileIdentity,
} from './copy.js';
import { reportFileProgress, reportWhile, type FileStep } from './fileProgress.js';
import type { FileFingerprint } from './movie.js';

export type Compression = 'gzip';

export const COMPRESSED_SUFFIX: Record<Compression, string> = { gzip: '.gz' };

/** Whether a part is compressed on archiving: `.mrc` files only. */
export function compressionFor(archiveName: string, setting: 'none' | Compression): Compression | undefined {
  return setting !== 'none' && archiveName.endsWith('.mrc') ? setting : undefined;
}

function hashing(onBytes?: (n: number) => void) {
  const hasher = xxh3.Xxh3.withSeed();
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hasher.update(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      done(null, chunk);
    },
  });
  return { transform, result: (): FileFingerprint => ({ bytes, hash: hex(hasher.digest()) }) };
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * A handle's bytes from its start as a stream, and a stream into a handle from its start: by positional reads
 * and writes, so the handle stays open (and the caller's to close) when the pipeline ends.
 */
async function* fromStart(handle: FileHandle, step: FileStep): AsyncGenerator<Buffer> {
  const { size } = await handle.stat();
  for (let position = 0; ; ) {
    reportFileProgress(step, position, size);
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

function intoHandle(handle: FileHandle): Writable {
  let position = 0;
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeFully(handle, chunk, position).then(() => {
        position += chunk.length;
        done();
      }, done);
    },
  });
}

async function fingerprintDecompressedHandle(handle: FileHandle): Promise<FileFingerprint> {
  const hash = hashing();
  await pipeline(fromStart(handle, 'decompress'), createGunzip(), hash.transform, discard());
  return hash.result();
}

/** The fingerprint of what a compressed file decompresses to; a path is opened without following a link at it. */
export async function fingerprintDecompressed(file: string | Place): Promise<FileFingerprint> {
  const handle = typeof file === 'string' ? await open(file, constants.O_RDONLY | constants.O_NOFOLLOW) : await file.root.openFile(file.path);
  try {
    return await fingerprintDecompressedHandle(handle);
  } finally {
    await handle.close();
  }
}

/** The fingerprint of a stored copy's content, compressed or not. */
export function fingerprintStored(file: string | Place, compression: Compression | undefined): Promise<FileFingerprint> {
  if (compression) return fingerprintDecompressed(file);
  return typeof file === 'string' ? fingerprintFile(file) : fingerprintAt(file);
}

/** Like fingerprintStored, or undefined when the file is not there. */
export function fingerprintStoredIfPresent(file: string | Place, compression: Compression | undefined): Promise<FileFingerprint | undefined> {
  return fingerprintStored(file, compression).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    return undefined;
  });
}

/** Compresses `source` to `destination` (never replacing a file there) and proves it decompresses to `expected`. */
export async function compressVerified(
  source: Place,
  destination: Place,
  expected: FileFingerprint,
  options: { onProgress?: (bytesDone: number) => void; ownership?: NewFileOwnership } = {},
): Promise<CopyOutcome> {
  const tempPath = defaultTempPath(destination.path);
  const sourceHandle = await source.root.openFile(source.path);
  let before: { size: number; mtimeMs: number };
  let verifiedFile: FileIdentity;
  try {
    before = await sourceHandle.stat();
    const target = await destination.root.createFile(tempPath, { replaceStale: true });
    try {
      const read = hashing(options.onProgress);
      await pipeline(fromStart(sourceHandle, 'compress'), read.transform, createGzip({ level: 6 }), intoHandle(target));
      await reportWhile('flush', before.size, target.sync());
      const [original, readBack] = [read.result(), await fingerprintDecompressedHandle(target)];
      for (const [what, seen] of [['read', original], ['decompressed read-back', readBack]] as const) {
        if (!sameContent(seen, expected)) {
          const message = `${what} of ${source.path} gave ${describeContent(seen)}, expected ${describeContent(expected)}`;
          throw what === 'read' ? new SourceDamagedError(message) : new VerificationError(message);
        }
      }
      await setOwnershipFor(target, options.ownership);
      verifiedFile = await target.stat();
    } finally {
      await target.close();
    }
  } catch (error) {
    await destination.root.unlink(tempPath).catch(() => undefined);
    throw error;
  } finally {
    await sourceHandle.close();
  }
  return publish({ root: destination.root, path: tempPath, verified: verifiedFile }, destination.path, expected, { bytes: before.size, mtimeMs: before.mtimeMs }, fingerprintDecompressed);
}
