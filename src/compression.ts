/**
 * Optional compression of `.mrc` movies on their way to primary storage (transfermonitor.sh did it with pbzip2;
 * TIFF and EER are compressed already). gzip from Node's own zlib; a compressed copy counts as verified only
 * once it has been read back, decompressed, and hashed to the movie's fingerprint.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { xxh3 } from '@node-rs/xxhash';
import {
  defaultTempPath,
  describeContent,
  fingerprintFile,
  hex,
  publish,
  sameContent,
  SourceDamagedError,
  VerificationError,
  type CopyOutcome,
} from './copy.js';
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

/** The fingerprint of what a compressed file decompresses to. */
export async function fingerprintDecompressed(file: string): Promise<FileFingerprint> {
  const hash = hashing();
  await pipeline(createReadStream(file), createGunzip(), hash.transform, discard());
  return hash.result();
}

/** The fingerprint of a stored copy's content, compressed or not. */
export function fingerprintStored(file: string, compression: Compression | undefined): Promise<FileFingerprint> {
  return compression ? fingerprintDecompressed(file) : fingerprintFile(file);
}

/** Like fingerprintStored, or undefined when the file is not there. */
export function fingerprintStoredIfPresent(file: string, compression: Compression | undefined): Promise<FileFingerprint | undefined> {
  return fingerprintStored(file, compression).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    return undefined;
  });
}

/** Compresses `source` to `destination` (never replacing a file there) and proves it decompresses to `expected`. */
export async function compressVerified(
  source: string,
  destination: string,
  expected: FileFingerprint,
  onProgress?: (bytesDone: number) => void,
): Promise<CopyOutcome> {
  const tempPath = defaultTempPath(destination);
  const before = await stat(source);
  try {
    const read = hashing(onProgress);
    await pipeline(createReadStream(source), read.transform, createGzip({ level: 6 }), createWriteStream(tempPath, { mode: 0o644 }));
    const handle = await open(tempPath, 'r+');
    await handle.sync();
    await handle.close();
    const [original, readBack] = [read.result(), await fingerprintDecompressed(tempPath)];
    for (const [what, seen] of [['read', original], ['decompressed read-back', readBack]] as const) {
      if (!sameContent(seen, expected)) {
        const message = `${what} of ${source} gave ${describeContent(seen)}, expected ${describeContent(expected)}`;
        throw what === 'read' ? new SourceDamagedError(message) : new VerificationError(message);
      }
    }
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  return publish(tempPath, destination, expected, { bytes: before.size, mtimeMs: before.mtimeMs }, fingerprintDecompressed);
}
