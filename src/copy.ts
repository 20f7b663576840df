/**
 * The copy-and-verify engine used for camera -> buffer and buffer -> archive.
 *
 * One pass over the source (camera shares are slow, read them once): each chunk is hashed (XXH3-64) and written
 * to a temporary file beside the destination while the next chunk is read. Then the temporary file is fsynced,
 * read back and hashed again; only a match is linked to its final name. link(2) never replaces an existing file,
 * so a different file already at the destination is never overwritten: the caller is told and decides.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { xxh3 } from '@node-rs/xxhash';
import type { FileFingerprint, SourceIdentity } from './movie.js';
import { reportFileProgress, reportWhile, type FileStep } from './fileProgress.js';
import { setOwnership, UnsafePathError, type Owner, type SafeRoot } from './safeFs.js';

export type { FileFingerprint, SourceIdentity };

export const HASH_ALGORITHM = 'xxh3-64';
const CHUNK_BYTES = 8 * 1024 * 1024;

export interface CopyOptions {
  /** Called after each chunk is written, with the bytes written so far (for activity heartbeats). */
  onProgress?: (bytesDone: number) => void;
  /** Where the bytes are written before they are verified; defaults to a hidden name beside the destination. */
  tempPath?: string;
  /** Expected content (e.g. the hash recorded when the movie came off the camera): a mismatch fails the copy. */
  expected?: FileFingerprint;
}

export type CopyOutcome =
  | { kind: 'copied'; fingerprint: FileFingerprint; source: SourceIdentity }
  | { kind: 'already-present'; fingerprint: FileFingerprint; source: SourceIdentity }
  | { kind: 'destination-differs'; fingerprint: FileFingerprint; existing: FileFingerprint; source: SourceIdentity };

export class SourceChangedError extends Error {
  constructor(file: string, before: SourceIdentity, after: SourceIdentity) {
    super(
      `${file} changed while it was copied (size ${before.bytes} -> ${after.bytes}, mtime ${before.mtimeMs} -> ${after.mtimeMs}); it is probably still being written`,
    );
    this.name = 'SourceChangedError';
  }
}

export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

/** The source itself does not hold the expected bytes (a buffer copy that rotted), as opposed to a bad write. */
export class SourceDamagedError extends VerificationError {
  constructor(message: string) {
    super(message);
    this.name = 'SourceDamagedError';
  }
}

/** Two fingerprints of the same content. */
export function sameContent(a: FileFingerprint, b: FileFingerprint): boolean {
  return a.hash === b.hash && a.bytes === b.bytes;
}

/** A fingerprint as messages show it: `<hash>/<bytes> B`. */
export function describeContent(f: FileFingerprint): string {
  return `${f.hash}/${f.bytes} B`;
}

export const hex = (value: bigint) => value.toString(16).padStart(16, '0');

/**
 * Page-aligned I/O buffers. The kernel copies between the page cache and user memory several times faster when
 * the user buffer is page-aligned (measured here: ~2 GB/s into a malloc'd Buffer, 6-9 GB/s page-aligned), and
 * WebAssembly.Memory is the one page-aligned allocation JavaScript offers.
 */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

function pageAlignedBuffers(count: number, fileBytes: number): Buffer[] {
  const wasmPage = 64 * 1024;
  // Sized to the file when it is small: a DE folder's thousands of small frames would each zero 24 MiB otherwise.
  const bytes = Math.min(CHUNK_BYTES, Math.ceil(Math.max(fileBytes, 1) / wasmPage) * wasmPage);
  const memory = new WebAssembly.Memory({ initial: Math.ceil((count * bytes) / wasmPage) });
  return Array.from({ length: count }, (_, i) => Buffer.from(memory.buffer, i * bytes, bytes));
}

/** Hidden, short (a long movie name plus a suffix could pass 255 bytes) and the same for every attempt. */
export function defaultTempPath(destination: string): string {
  return path.join(path.dirname(destination), `.${hex(xxh3.xxh64(path.basename(destination)))}.partial`);
}

export async function writeFully(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, position + offset);
    offset += bytesWritten;
  }
}

/** Which file a name pointed to when it was verified. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

/** A file below one of the configured roots: every change to it goes through that root (src/safeFs.ts). */
export interface Place {
  root: SafeRoot;
  path: string;
}

/** Hashes a whole open file from its start; the read-back half of every verification. */
export async function fingerprintHandle(handle: FileHandle, step: FileStep = 'hash'): Promise<FileFingerprint> {
  const hasher = xxh3.Xxh3.withSeed();
  const { size } = await handle.stat();
  const [buffer] = pageAlignedBuffers(1, size) as [Buffer];
  let bytes = 0;
  for (;;) {
    reportFileProgress(step, bytes, size);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes);
    if (bytesRead === 0) break;
    hasher.update(buffer.subarray(0, bytesRead));
    bytes += bytesRead;
  }
  return { bytes, hash: hex(hasher.digest()) };
}

/** Hashes a file below a root, opened without following links. */
export async function fingerprintAt(place: Place): Promise<FileFingerprint> {
  const handle = await place.root.openFile(place.path);
  try {
    return await fingerprintHandle(handle);
  } finally {
    await handle.close();
  }
}

/** Hashes a file by path, not following a link at its name (tests, benchmarks, operator reports: reads only). */
export async function fingerprintFile(file: string): Promise<FileFingerprint> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await fingerprintHandle(handle);
  } finally {
    await handle.close();
  }
}

async function identityOf(handle: FileHandle): Promise<SourceIdentity> {
  const info = await handle.stat();
  return { bytes: info.size, mtimeMs: info.mtimeMs };
}

/** Chunks in flight: one being read while the others are written. */
const PIPELINE_DEPTH = 3;

/**
 * Streams source -> temp in one pass over the source (camera shares are slow: read them once), hashing each
 * chunk as it arrives; reads run ahead of writes by up to PIPELINE_DEPTH - 1 chunks.
 */
async function streamAndHash(source: FileHandle, target: FileHandle, sourceBytes: number, onProgress?: (n: number) => void) {
  const hasher = xxh3.Xxh3.withSeed();
  const buffers = pageAlignedBuffers(PIPELINE_DEPTH, sourceBytes);
  const writes: Promise<void>[] = buffers.map(() => Promise.resolve());
  let position = 0;
  try {
    for (let turn = 0; ; turn++) {
      const slot = turn % buffers.length;
      // This buffer's previous write must finish before it is refilled; the other slots' writes go on meanwhile.
      await writes[slot];
      onProgress?.(position);
      reportFileProgress('copy', position, sourceBytes);
      const buffer = buffers[slot]!;
      const { bytesRead } = await source.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hasher.update(chunk);
      const write = writeFully(target, chunk, position);
      // A failed write (ENOSPC) must not count as unhandled while the loop awaits another slot: the process would
      // die. Its error still surfaces where this slot is awaited next.
      write.catch(() => undefined);
      writes[slot] = write;
      position += bytesRead;
    }
    await Promise.all(writes);
  } finally {
    // On an error or a cancellation, no write may still be running (or reject unobserved) once the file closes.
    await Promise.allSettled(writes);
  }
  onProgress?.(position);
  return { bytes: position, hash: hex(hasher.digest()) };
}

/** A new file's mode and owner, set on its descriptor before it gets its final name. */
export interface NewFileOwnership {
  mode: number;
  owner: Owner | null;
}

/**
 * Copies `source` to `destination` and proves the destination holds the same bytes. Never overwrites: when the
 * destination exists, its content decides between 'already-present' (identical) and 'destination-differs'.
 * A crash leaves at most the temporary file, which the next attempt removes and creates anew (O_EXCL: a link
 * planted at the temporary name is removed, never written through).
 */
export async function copyVerified(source: Place, destination: Place, options: CopyOptions & { ownership?: NewFileOwnership } = {}): Promise<CopyOutcome> {
  const tempPath = options.tempPath ?? defaultTempPath(destination.path);
  const sourceHandle = await source.root.openFile(source.path);
  let written: FileFingerprint;
  let sourceIdentity: SourceIdentity;
  let verifiedFile: FileIdentity;
  try {
    sourceIdentity = await identityOf(sourceHandle);
    const target = await destination.root.createFile(tempPath, { replaceStale: true });
    try {
      written = await streamAndHash(sourceHandle, target, sourceIdentity.bytes, options.onProgress);
      // Read back while the last dirty pages go to disk: the bytes read are the ones being written.
      const [readBack] = await Promise.all([fingerprintHandle(target, 'read-back'), reportWhile('flush', written.bytes, target.sync())]);
      const after = await identityOf(sourceHandle);
      if (after.bytes !== sourceIdentity.bytes || after.mtimeMs !== sourceIdentity.mtimeMs || written.bytes !== after.bytes) {
        throw new SourceChangedError(source.path, sourceIdentity, after);
      }
      if (!sameContent(readBack, written)) {
        throw new VerificationError(`read-back of ${tempPath} gave ${describeContent(readBack)}, written ${describeContent(written)}`);
      }
      if (options.expected && !sameContent(options.expected, written)) {
        throw new SourceDamagedError(`${source.path} holds ${describeContent(written)}, expected ${describeContent(options.expected)}`);
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
  return publish({ root: destination.root, path: tempPath, verified: verifiedFile }, destination.path, written, sourceIdentity);
}

/**
 * Links a verified temporary file to its final name, never replacing a file, and only while the name is still
 * the file that was verified; an existing file is compared by
 * its content (`fingerprintOf`: the bytes, or for a compressed copy the bytes it decompresses to). A link at
 * the final name is refused (UnsafePathError), never followed.
 */
export async function publish(
  temp: Place & { verified: FileIdentity },
  destination: string,
  fingerprint: FileFingerprint,
  source: SourceIdentity,
  fingerprintOf: (place: Place) => Promise<FileFingerprint> = fingerprintAt,
): Promise<CopyOutcome> {
  const { root } = temp;
  const now = await root.entry(temp.path);
  if (!now || now.dev !== temp.verified.dev || now.ino !== temp.verified.ino) {
    // Another attempt of the same copy (one whose cancellation had not reached it yet) took the name over.
    throw new VerificationError(`${temp.path} is no longer the file this attempt verified (another attempt replaced it); nothing published`);
  }
  try {
    await root.link(temp.path, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = await fingerprintOf({ root, path: destination });
    await root.unlink(temp.path);
    return sameContent(existing, fingerprint)
      ? { kind: 'already-present', fingerprint, source }
      : { kind: 'destination-differs', fingerprint, existing, source };
  }
  await root.unlink(temp.path);
  await root.syncFolder(path.dirname(destination));
  return { kind: 'copied', fingerprint, source };
}

/**
 * Moves a verified file without ever replacing another file: link + unlink on one file system, a verified copy
 * across file systems (e.g. a buffer staging folder -> GPFS). With `ownership`, the file gets its mode and owner
 * on its descriptor before it appears under its new name. Returns what happened at the destination.
 */
export async function moveNoClobber(
  from: Place,
  destination: Place,
  fingerprint: FileFingerprint,
  ownership?: NewFileOwnership,
): Promise<'moved' | 'already-present' | 'destination-differs'> {
  try {
    if (ownership) await setOwnershipAt(from, ownership);
    await from.root.link(from.path, destination.path, destination.root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EXDEV') {
      const copied = await copyVerified(from, destination, { expected: fingerprint, ownership });
      if (copied.kind === 'destination-differs') return 'destination-differs';
      await from.root.unlink(from.path);
      return copied.kind === 'copied' ? 'moved' : 'already-present';
    }
    if (code === 'ENOENT' && !(await from.root.entry(from.path))) return findEarlierMove(from, destination, fingerprint);
    if (code !== 'EEXIST') throw error;
    const existing = await fingerprintAt(destination);
    if (!sameContent(existing, fingerprint)) return 'destination-differs';
    await from.root.unlink(from.path);
    return 'already-present';
  }
  await from.root.unlink(from.path);
  await destination.root.syncFolder(path.dirname(destination.path));
  return 'moved';
}

/** A new file's mode (0644 unless told) and owner, on its descriptor. */
export function setOwnershipFor(handle: FileHandle, ownership: NewFileOwnership | undefined): Promise<void> {
  return setOwnership(handle, ownership?.mode ?? 0o644, ownership?.owner);
}

async function setOwnershipAt(place: Place, ownership: NewFileOwnership): Promise<void> {
  const handle = await place.root.openFile(place.path);
  try {
    await setOwnershipFor(handle, ownership);
  } finally {
    await handle.close();
  }
}

/** The file to move is gone: a retried move whose earlier attempt moved it but could not report. */
async function findEarlierMove(from: Place, destination: Place, fingerprint: FileFingerprint) {
  const present = await fingerprintAt(destination).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    return undefined;
  });
  if (!present) throw new Error(`${from.path} is missing and ${destination.path} does not exist; nothing was moved`);
  return sameContent(present, fingerprint)
    ? ('already-present' as const)
    : ('destination-differs' as const);
}

/** Size and mtime of a file below a root, as an lstat sees it (a link is not its target); undefined when absent. */
export async function sourceIdentityAt(place: Place): Promise<SourceIdentity | undefined> {
  const info = await place.root.entry(place.path);
  if (!info) return undefined;
  if (!info.isFile()) throw new UnsafePathError(`${place.path} is no longer a regular file (a link or a folder now); left alone`);
  return { bytes: info.size, mtimeMs: info.mtimeMs };
}
