/**
 * Polls a camera share (no inotify over SMB/NFS) at a cost that follows what changes, not what the share holds:
 *
 * - the share's top level is listed only when its folder's mtime moved (an entry came, went or was renamed),
 *   in the poll after such a change too (a second change in the same mtime tick leaves it unmoved), and once
 *   every FULL_SCAN_EVERY_MS whatever it says (attribute caches, odd servers);
 * - entries already handed over are never stat-ed again; only a listing tells that one has gone;
 * - an entry still waiting is stat-ed each poll: a file by its size and mtime, a DE folder by its visible
 *   regular files' count, total size and a digest of their names, sizes and mtimes (no state per file);
 * - names that are no movie leave no state (their log line is remembered in a bounded set).
 *
 * Reads only; links are never followed (a link at the top counts as a file, so its movie parks naming it).
 */
import type { Dirent } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { xxh32 } from '@node-rs/xxhash';
import { BoundedMap } from './boundedMap.js';
import { classifyCameraEntry, isDeFolderFile } from './names.js';
import { SafeRoot } from './safeFs.js';
import { StabilityTracker } from './stability.js';

/** The longest the top level goes unlisted, whatever its mtime says. */
export const FULL_SCAN_EVERY_MS = 60_000;

type EntryKind = 'file' | 'folder' | 'other';

/**
 * What an entry is, from the listing (no promise per entry: a million of them cost seconds); a server that does not fill in the type (some NFS and FUSE file systems)
 * costs an lstat. A link counts as a file: it is never followed, and its movie parks naming it.
 */
function kindOf(dirent: Dirent, folder: string, share: SafeRoot): EntryKind | Promise<EntryKind> {
  if (dirent.isDirectory()) return 'folder';
  if (dirent.isFile() || dirent.isSymbolicLink()) return 'file';
  if (dirent.isFIFO() || dirent.isSocket() || dirent.isBlockDevice() || dirent.isCharacterDevice()) return 'other';
  return kindByLstat(share, path.join(folder, dirent.name));
}

async function kindByLstat(share: SafeRoot, file: string): Promise<EntryKind> {
  const info = await share.entry(file).catch(() => undefined);
  if (!info) return 'other';
  return info.isDirectory() ? 'folder' : info.isFile() || info.isSymbolicLink() ? 'file' : 'other';
}

/** Waiting entries looked at at once. */
const STAT_CONCURRENCY = 32;

export interface ScanReport {
  /** Whether the top level was listed this poll. */
  listed: boolean;
  /** Entries looked at with lstat (waiting files, and each file of a waiting DE folder). */
  statted: number;
  /** Names at the top level that are no movie (counted only when listed). */
  ignored: number;
}

export interface CompleteEntry {
  name: string;
  isFolder: boolean;
}

interface Sighting {
  bytes: number;
  version: number;
  /** The newest mtime in the entry: movies are handed over in the order the camera finished them. */
  modifiedMs: number;
}

export class CameraShareScanner {
  readonly tracker: StabilityTracker;
  private readonly share: SafeRoot;
  private readonly folders = new Set<string>();
  /** Of the entries still waiting only: their newest mtime, to hand them over oldest first. */
  private readonly modified = new Map<string, number>();
  private readonly ignoredLogged = new BoundedMap<string, true>(1_000);
  private rootVersion: number | undefined;
  private rootChangedLastPoll = true;
  private lastFullScan = -Infinity;
  private ignoredThisListing = 0;

  constructor(
    readonly root: string,
    stableForMs: number,
    private readonly onIgnored: (name: string, reason: string) => void = () => undefined,
  ) {
    this.tracker = new StabilityTracker(stableForMs);
    this.share = new SafeRoot(root);
  }

  /** Forgets what the top level looked like: the next poll lists it (e.g. after the share was remounted). */
  rescan(): void {
    this.rootVersion = undefined;
  }

  async poll(now: number): Promise<ScanReport> {
    const report: ScanReport = { listed: false, statted: 0, ignored: 0 };
    const rootInfo = await lstat(this.root);
    const rootVersion = rootInfo.mtimeMs + rootInfo.ctimeMs;
    const moved = rootVersion !== this.rootVersion;
    if (moved || this.rootChangedLastPoll || now - this.lastFullScan >= FULL_SCAN_EVERY_MS) {
      await this.list(now, report);
      this.lastFullScan = now;
    } else {
      const waiting = this.tracker.pending();
      for (let i = 0; i < waiting.length; i += STAT_CONCURRENCY) {
        await Promise.all(waiting.slice(i, i + STAT_CONCURRENCY).map((name) => this.look(name, this.folders.has(name), now, report)));
      }
    }
    this.rootChangedLastPoll = moved;
    this.rootVersion = rootVersion;
    return report;
  }

  /** Entries quiet for long enough and not handed over yet, the one the camera finished first first. */
  complete(now: number): CompleteEntry[] {
    const when = (name: string) => this.modified.get(name) ?? 0;
    return this.tracker
      .complete(now)
      .sort((a, b) => when(a) - when(b) || (a < b ? -1 : 1))
      .map((name) => ({ name, isFolder: this.folders.has(name) }));
  }

  handOver(name: string): void {
    this.tracker.handOver(name);
    this.modified.delete(name);
  }

  private async list(now: number, report: ScanReport): Promise<void> {
    report.listed = true;
    const present = new Set<string>();
    const looks: Promise<void>[] = [];
    for await (const batch of this.share.streamEntries(this.root)) {
      for (const dirent of batch) {
        const listedKind = kindOf(dirent, this.root, this.share);
        const kind = typeof listedKind === 'string' ? listedKind : await listedKind;
        if (!this.isMovie(dirent.name, kind)) continue;
        present.add(dirent.name);
        if (this.tracker.isHandedOver(dirent.name)) continue;
        looks.push(this.look(dirent.name, kind === 'folder', now, report));
        if (looks.length === STAT_CONCURRENCY) await Promise.all(looks.splice(0));
      }
    }
    await Promise.all(looks);
    report.ignored = this.ignoredThisListing;
    this.ignoredThisListing = 0;
    // Deleting while iterating is safe for a Map, and copies no list of a million names.
    for (const name of this.tracker.known()) {
      if (!present.has(name)) this.forget(name);
    }
  }

  /** Whether a name at the top is a movie; one that is not is logged once (from a bounded set) and kept nowhere. */
  private isMovie(name: string, kind: EntryKind): boolean {
    const entry = classifyCameraEntry(name, kind === 'folder');
    if (entry.kind === 'ignored') {
      this.ignoredThisListing++;
      if (!this.ignoredLogged.get(name)) {
        this.ignoredLogged.set(name, true);
        this.onIgnored(name, entry.reason);
      }
      return false;
    }
    return kind !== 'other';
  }


  /** Observes one waiting entry; one that has gone is forgotten. */
  private async look(name: string, isFolder: boolean, now: number, report: ScanReport): Promise<void> {
    const where = path.join(this.root, name);
    const sighting = await (isFolder ? this.sightFolder(where, report) : this.sightFile(where, report)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
      throw error;
    });
    if (!sighting) {
      this.forget(name);
      return;
    }
    if (isFolder) this.folders.add(name);
    this.modified.set(name, sighting.modifiedMs);
    this.tracker.observe(name, sighting.bytes, sighting.version, now);
  }

  private forget(name: string): void {
    this.tracker.forget(name);
    this.folders.delete(name);
    this.modified.delete(name);
  }

  private async sightFile(file: string, report: ScanReport): Promise<Sighting> {
    report.statted++;
    // Right below the root (whose own path is trusted): lstat does not follow the name, and nothing lies between.
    const info = await lstat(file);
    return { bytes: info.size, version: info.mtimeMs, modifiedMs: info.mtimeMs };
  }

  /** A DE folder as one sighting: any file that grows, appears or goes changes it; an empty file keeps it waiting. */
  private async sightFolder(folder: string, report: ScanReport): Promise<Sighting> {
    const files = (await this.share.listWithStats(folder)).filter(isDeFolderFile);
    report.statted += files.length;
    let bytes = 0;
    let digest = 0;
    let emptyFile = false;
    let modifiedMs = 0;
    for (const { name, stats } of files) {
      bytes += stats.size;
      modifiedMs = Math.max(modifiedMs, stats.mtimeMs);
      if (stats.size === 0) emptyFile = true;
      // A sum, so the order the server lists the files in does not matter.
      digest = (digest + xxh32(`${name}\0${stats.size}\0${stats.mtimeMs}`)) >>> 0;
    }
    return { bytes: emptyFile ? 0 : bytes, version: digest, modifiedMs };
  }
}
