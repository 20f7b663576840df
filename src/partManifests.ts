/**
 * Where part lists too long for a workflow payload are kept (src/parts.ts): one file per list in
 * `<buffer root>/.manifests/`, named by the XXH3-64 of its content. A folder of the server's own under the
 * buffer root, like `.incoming/`: no session owner can write there. Content-addressed, so writing the same list
 * twice (an activity retried) is harmless, and a reference can only ever name the list it was made from.
 */
import path from 'node:path';
import { xxh3 } from '@node-rs/xxhash';
import { hex } from './copy.js';
import { INLINE_PARTS_LIMIT, isManifest, summarize, type Parts } from './parts.js';
import type { SafeRoot } from './safeFs.js';

export const MANIFEST_FOLDER = '.manifests';

export class ManifestDamagedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestDamagedError';
  }
}

export class PartManifests {
  private readonly folder: string;

  constructor(private readonly buffer: SafeRoot) {
    this.folder = path.join(buffer.root, MANIFEST_FOLDER);
  }

  fileOf(manifest: string): string {
    if (!/^[0-9a-f]{16}$/.test(manifest)) throw new ManifestDamagedError(`${JSON.stringify(manifest)} is not a part manifest's name`);
    return path.join(this.folder, `${manifest}.json`);
  }

  /** The list as a workflow should carry it: itself when short, else a reference to its manifest file. */
  async store<T extends { fingerprint: { bytes: number } }>(list: T[]): Promise<Parts<T>> {
    if (list.length <= INLINE_PARTS_LIMIT) return list;
    const content = Buffer.from(JSON.stringify(list));
    const manifest = hex(xxh3.xxh64(content));
    await this.buffer.ensureFolder(this.folder, { mode: 0o700 });
    await this.buffer.replaceFile(this.fileOf(manifest), content, { mode: 0o600 });
    return summarize(list, manifest);
  }

  /** The whole list, read back from its manifest (which must still hash to its name and hold `count` parts). */
  async load<T>(parts: Parts<T>): Promise<T[]> {
    if (!isManifest(parts)) return parts;
    const file = this.fileOf(parts.manifest);
    const content = await this.buffer.readBytes(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      throw new ManifestDamagedError(`part manifest ${file} (${parts.count} parts) is missing; nothing was done`);
    });
    const found = hex(xxh3.xxh64(content));
    if (found !== parts.manifest) throw new ManifestDamagedError(`part manifest ${file} hashes to ${found}, not to its name; nothing was done`);
    const list = JSON.parse(content.toString('utf8')) as T[];
    if (!Array.isArray(list) || list.length !== parts.count) {
      throw new ManifestDamagedError(`part manifest ${file} holds ${Array.isArray(list) ? list.length : 'no list of'} parts, its reference says ${parts.count}; nothing was done`);
    }
    return list;
  }

  /** Deletes manifests a finished movie no longer needs (src/parts.ts `manifestsOf`). */
  async drop(manifests: string[]): Promise<number> {
    const files = new Set(manifests.map((manifest) => this.fileOf(manifest)));
    for (const file of files) {
      await this.buffer.unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    return files.size;
  }
}
