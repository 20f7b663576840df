/**
 * Activities of a buffer host's I/O queue (`io@<bufferHost>`): everything that touches the camera share and
 * the buffer disk. Each is thin: paths are checked against the configured roots, the work is done by the pure
 * and engine modules in src/.
 */
import { readdir, rename, stat, statfs, unlink } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import path from 'node:path';
import { fingerprintStoredIfPresent } from '../src/compression.js';
import { cameraConfig, type BufferHostConfig, type CameraConfig, type Config } from '../src/config.js';
import {
  copyVerified,
  describeContent,
  fingerprintFile,
  HASH_ALGORITHM,
  moveNoClobber,
  sameContent,
  SourceDamagedError,
  sourceIdentity,
} from '../src/copy.js';
import { confineReal, ensureFolderInside, removeEmptyFolders } from '../src/fsGuards.js';
import {
  findBufferFramePath,
  explainUnreachable,
  findEnabledBufferHost,
  findImagesByFramesName,
  insertBufferFramePath,
  type Db,
} from '../src/leginondb.js';
import type { Logger } from '../src/logger.js';
import { isMounted } from '../src/mounts.js';
import type { CopiedPart, MoviePart, PlacedPart, SourceIdentity } from '../src/movie.js';
import { leginonMovieFileName, sidecarName } from '../src/names.js';
import { isInside } from '../src/paths.js';
import { applyOwnership, parseMode, sessionOwner, type Owner } from '../src/ownership.js';
import { publishPart, type Published } from '../src/publish.js';
import { formatBytes } from '../src/units.js';
import { chooseImage, planDestination } from '../src/routing.js';
import { currentAttempt, heartbeatProgress, isUnsafe, refuseUnsafe } from './progress.js';
import { createReferenceActivities } from './references.js';

export interface IoDeps {
  config: Config;
  bufferHost: BufferHostConfig;
  db: Db;
  logger: Logger;
}

/** Where movies wait between the camera and their session folder: `<buffer root>/.incoming/<camera host>/`. */
export function stagingFolder(bufferRoot: string, cameraHost: string): string {
  return path.join(bufferRoot, '.incoming', cameraHost);
}


export type LeginonLookup =
  | {
      kind: 'found';
      session: string;
      imageClass: string;
      imageId: number;
      filename: string;
      bufferDir: string;
      archiveDir: string;
      bufferIsArchive: boolean;
      owner: Owner | null;
    }
  | { kind: 'not-found'; detail: string }
  | { kind: 'refused'; detail: string };

/** The parts of a camera entry: a movie file and its sidecar, or every file of a DE frames folder. */
async function listParts(cameraRoot: string, fileName: string, suffix: string, framesName: string): Promise<MoviePart[]> {
  const entry = await stat(path.join(cameraRoot, fileName));
  if (entry.isDirectory()) {
    const files = (await readdir(path.join(cameraRoot, fileName), { withFileTypes: true }))
      .filter((f) => f.isFile() && !f.name.startsWith('.'))
      .map((f) => f.name)
      .sort();
    if (files.length === 0) throw new Error(`DE frames folder ${fileName} is empty`);
    return files.map((name) => ({ source: path.join(fileName, name), targetSuffix: `${suffix}/${name}` }));
  }
  const parts: MoviePart[] = [{ source: fileName, targetSuffix: suffix }];
  const sidecar = sidecarName(framesName);
  if (await stat(path.join(cameraRoot, sidecar)).then((s) => s.isFile(), () => false)) {
    parts.push({ source: sidecar, targetSuffix: '.frames.xml' });
  }
  return parts;
}

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

export function createIoActivities({ config, bufferHost, db, logger }: IoDeps) {
  /** A full buffer makes the copy wait (retried, visible in status) before a single byte is written. */
  async function requireRoomFor(sources: string[]): Promise<void> {
    const needed = (await Promise.all(sources.map((source) => stat(source)))).reduce((sum, s) => sum + s.size, 0);
    const fs = await statfs(bufferHost.root);
    const free = fs.bavail * fs.bsize;
    const reserve = config.capacity.reserveGiB * 1024 ** 3;
    if (free - needed < reserve) {
      throw ApplicationFailure.retryable(
        `buffer ${bufferHost.root} is full: ${formatBytes(free)} free, this movie needs ${formatBytes(needed)} and capacity.reserveGiB keeps ${formatBytes(reserve)}; waiting, nothing written, the camera file stays`,
        'BufferFull',
      );
    }
  }

  /** The camera's config, once its share is mounted: an unmounted share would read as "every file gone". */
  async function mountedCamera(cameraHost: string): Promise<CameraConfig> {
    const camera = cameraConfig(config, cameraHost);
    if (!(await isMounted(camera.root, camera.markerFile))) {
      throw ApplicationFailure.retryable(
        `camera share ${camera.root} is not mounted (${camera.markerFile} is missing); waiting, nothing is taken from it or deleted on it`,
        'CameraShareDown',
      );
    }
    return camera;
  }

  return {
    ...createReferenceActivities({ config, bufferRoot: bufferHost.root, db, logger }),
    /** Copies every part of a camera movie into staging, each verified; the camera files stay untouched. */
    async copyFromCamera(input: { cameraHost: string; fileName: string; framesName: string; suffix: string }) {
      const camera = await mountedCamera(input.cameraHost);
      await confineReal(camera.root, input.fileName).catch(refuseUnsafe);
      const parts = await listParts(camera.root, input.fileName, input.suffix, input.framesName);
      const staging = await ensureFolderInside(bufferHost.root, stagingFolder(bufferHost.root, input.cameraHost));
      await requireRoomFor(parts.map((part) => path.join(camera.root, part.source)));
      const progress = heartbeatProgress();
      const copied: CopiedPart[] = [];
      let bytesBefore = 0;
      for (const part of parts) {
        const sourcePath = await confineReal(camera.root, part.source).catch(refuseUnsafe);
        const stagedPath = path.join(staging, part.source);
        await ensureFolderInside(bufferHost.root, path.dirname(stagedPath));
        // A staged file from an earlier attempt is this movie's own intermediate; the camera file is still the truth.
        await unlink(stagedPath).catch(() => undefined);
        const outcome = await copyVerified(sourcePath, stagedPath, { onProgress: (n) => progress(bytesBefore + n) }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOSPC') throw error;
          throw ApplicationFailure.retryable(
            `buffer ${bufferHost.root} filled up during the copy (other writes took the room); the partial copy was removed, the camera file stays; waiting`,
            'BufferFull',
          );
        });
        bytesBefore += outcome.fingerprint.bytes;
        copied.push({ ...part, sourcePath, stagedPath, fingerprint: outcome.fingerprint, identity: outcome.source });
        logger.info({ sourcePath, stagedPath, ...outcome.fingerprint }, 'copied from camera and verified');
      }
      return { parts: copied, algorithm: HASH_ALGORITHM, attempt: currentAttempt() };
    },

    /** Never answers "not found" for a database it could not ask: query errors fail the activity and retry. */
    async resolveLeginonName(input: {
      cameraHost: string;
      framesName: string;
      suffix: string;
      lookBackDays: number;
    }): Promise<LeginonLookup> {
      const matches = await findImagesByFramesName(db, input.framesName, input.cameraHost, input.lookBackDays).catch(
        explainUnreachable(config.leginondb.url),
      );
      const choice = chooseImage(matches, config.leginon.destinationHead);
      const where = `frames name ${JSON.stringify(input.framesName)} on camera host ${input.cameraHost} in the last ${input.lookBackDays} days`;
      if (choice.kind === 'none') {
        const detail =
          choice.reason === 'no-image'
            ? `no Leginon image has ${where}`
            : `all ${choice.count} Leginon images with ${where} are aligned re-saves`;
        return { kind: 'not-found', detail };
      }
      if (choice.kind === 'not-ours') {
        return { kind: 'refused', detail: `${choice.detail} (${where}): another server's movie, left on the camera` };
      }
      const image = choice.image;
      const bufferHostRow = await findEnabledBufferHost(db, image.cameraInstrumentId);
      const stored = bufferHostRow ? await findBufferFramePath(db, image.session.id, bufferHostRow.id) : undefined;
      const plan = planDestination(image.session, bufferHostRow, stored);
      if (plan.kind === 'unroutable') return { kind: 'refused', detail: plan.reason };
      try {
        // Refuses a filename that could escape the folder, before anything is placed under it.
        leginonMovieFileName(image.filename, input.suffix);
        const bufferRoot = plan.bufferIsArchive ? config.archive.root : bufferHost.root;
        const bufferDir = await confineReal(bufferRoot, plan.bufferDir);
        const archiveDir = await confineReal(config.archive.root, plan.archiveDir);
        if (plan.newBufferFramePath && bufferHostRow) {
          await insertBufferFramePath(db, image.session.id, bufferHostRow.id, plan.newBufferFramePath);
        }
        return {
          kind: 'found',
          session: image.session.name,
          imageClass: image.imageClass,
          imageId: image.imageId,
          filename: image.filename,
          bufferDir,
          archiveDir,
          bufferIsArchive: plan.bufferIsArchive,
          owner: await sessionOwner(image.session),
        };
      } catch (error) {
        if (isUnsafe(error)) return { kind: 'refused', detail: error.message };
        throw error;
      }
    },

    /**
     * Moves the staged parts to their Leginon names. An identical file already there wins (the staged copy is
     * dropped); a different one is kept and the part is stored beside it under a conflict name.
     */
    async placeInSession(input: {
      cameraHost: string;
      parts: CopiedPart[];
      bufferDir: string;
      bufferIsArchive: boolean;
      filename: string;
      owner: Owner | null;
    }) {
      const root = input.bufferIsArchive ? config.archive.root : bufferHost.root;
      const folder = await ensureFolderInside(root, input.bufferDir).catch(refuseUnsafe);
      const { chown: chownEnabled, fileMode, folderMode } = config.ownership;
      // The frame folder and the session folder above it belong to the session's owner, as Leginon makes them.
      for (const owned of [folder, path.dirname(folder)].filter((f) => isInside(root, f))) {
        await applyOwnership(owned, parseMode(folderMode), input.owner, chownEnabled);
      }
      const placed: Published[] = [];
      for (const part of input.parts) {
        const stagedPath = await confineReal(bufferHost.root, part.stagedPath).catch(refuseUnsafe);
        const published = await publishPart(folder, input.filename, part, async (target) => {
          const result = await moveNoClobber(stagedPath, target, part.fingerprint);
          return result === 'moved' ? 'done' : result;
        });
        if (published.outcome === 'done') {
          await applyOwnership(published.path, parseMode(fileMode), input.owner, chownEnabled);
          if (published.targetSuffix.includes('/')) {
            await applyOwnership(path.dirname(published.path), parseMode(folderMode), input.owner, chownEnabled);
          }
        }
        if (published.conflict > 0) logger.warn({ path: published.path }, 'a different file already had this name; kept both');
        placed.push(published);
      }
      await removeEmptyFolders(
        input.parts.map((p) => p.stagedPath),
        stagingFolder(bufferHost.root, input.cameraHost),
      );
      logger.info({ parts: placed.map((p) => p.path) }, 'placed in session folder');
      return { parts: placed, attempt: currentAttempt() };
    },

    /**
     * Clears a camera movie that Leginon never recorded off the camera's watched folder, as rawtransfer did with
     * "bad files": into the hidden holding folder, or (unknownFiles: delete) off the camera altogether, which is
     * safe only because its verified copy stays in the buffer's staging folder.
     */
    async setAsideUnknownMovie(input: { cameraHost: string; parts: CopiedPart[] }) {
      const camera = await mountedCamera(input.cameraHost);
      const sources = await Promise.all(input.parts.map((p) => confineReal(camera.root, p.sourcePath).catch(refuseUnsafe)));
      if (config.leginon.unknownFiles === 'delete') {
        // Deleting is safe only while the staged copy still holds exactly what the unchanged camera file holds.
        for (const [index, part] of input.parts.entries()) {
          const [staged, now] = await Promise.all([
            fingerprintFile(part.stagedPath),
            sourceIdentity(sources[index]!).catch((error: NodeJS.ErrnoException) => ignoreMissing(error)),
          ]);
          if (!sameContent(staged, part.fingerprint)) {
            throw new Error(`staged copy ${part.stagedPath} no longer matches the camera file's hash; the camera file is kept`);
          }
          if (now && (now.bytes !== part.identity.bytes || now.mtimeMs !== part.identity.mtimeMs)) {
            throw ApplicationFailure.nonRetryable(`camera file ${sources[index]} changed after it was copied; it is kept`, 'CameraFileChanged');
          }
        }
        for (const source of sources) await unlink(source).catch(ignoreMissing);
        await removeEmptyFolders(sources, camera.root);
        logger.warn({ sources }, 'no Leginon row: camera files deleted, verified copies kept in staging');
        return { cameraPaths: [] as string[], detail: `deleted from the camera; its verified copy is ${input.parts[0]!.stagedPath}` };
      }
      const holding = await ensureFolderInside(camera.root, path.join(camera.root, config.leginon.holdingFolder));
      const held: string[] = [];
      for (const [index, part] of input.parts.entries()) {
        const published = await publishPart(holding, '', { targetSuffix: part.source, fingerprint: part.fingerprint }, async (target) => {
          const result = await moveNoClobber(sources[index]!, target, part.fingerprint);
          return result === 'moved' ? 'done' : result;
        });
        held.push(published.path);
      }
      await removeEmptyFolders(sources, camera.root);
      logger.warn({ held }, 'no Leginon row: camera files moved to the holding folder');
      return { cameraPaths: held, detail: `moved on the camera to ${held[0]}` };
    },

    /**
     * Deletes the camera files, which is only done once their buffer copies are verified and placed. A camera
     * file that changed since it was copied is a different file: it is left alone and reported.
     */
    async freeCamera(input: { cameraHost: string; parts: { sourcePath: string; identity: SourceIdentity }[]; placed: PlacedPart[] }) {
      const camera = await mountedCamera(input.cameraHost);
      const changed: string[] = [];
      for (const placed of input.placed) {
        const buffered = await stat(placed.path);
        if (buffered.size !== placed.fingerprint.bytes) {
          throw new Error(`buffer copy ${placed.path} has ${buffered.size} B, expected ${placed.fingerprint.bytes} B; camera files kept`);
        }
      }
      const sources: string[] = [];
      for (const part of input.parts) {
        const sourcePath = await confineReal(camera.root, part.sourcePath).catch(refuseUnsafe);
        const now = await sourceIdentity(sourcePath).catch((error: NodeJS.ErrnoException) => ignoreMissing(error));
        if (!now) continue;
        if (now.bytes !== part.identity.bytes || now.mtimeMs !== part.identity.mtimeMs) {
          changed.push(`camera file ${sourcePath} changed after it was copied (now ${now.bytes} B); left on the camera`);
          continue;
        }
        await unlink(sourcePath);
        sources.push(sourcePath);
      }
      await removeEmptyFolders(input.parts.map((p) => p.sourcePath), camera.root);
      if (sources.length) logger.info({ sources }, 'camera files deleted after verified copy');
      return { freed: changed.length === 0, warnings: changed, attempt: currentAttempt() };
    },

    /**
     * Replaces a damaged buffer copy with a fresh verified copy of the camera file, which must still be the file
     * that was first copied (same size, mtime and hash); parts whose buffer copy is intact are left alone.
     */
    async restoreBufferCopy(input: { cameraHost: string; parts: CopiedPart[]; placed: PlacedPart[] }) {
      const camera = await mountedCamera(input.cameraHost);
      const restored: string[] = [];
      for (const part of input.parts) {
        const placed = input.placed.find((p) => p.targetSuffix === part.targetSuffix)!;
        const bufferPath = await confineReal(bufferHost.root, placed.path).catch(refuseUnsafe);
        const now = await fingerprintFile(bufferPath).catch((error: NodeJS.ErrnoException) => ignoreMissing(error));
        if (now && sameContent(now, part.fingerprint)) continue;
        const sourcePath = await confineReal(camera.root, part.sourcePath).catch(refuseUnsafe);
        const fresh = path.join(path.dirname(bufferPath), `.${path.basename(bufferPath)}.restored`);
        await unlink(fresh).catch(ignoreMissing);
        await copyVerified(sourcePath, fresh, { expected: part.fingerprint, onProgress: heartbeatProgress() }).catch((error: unknown) => {
          if (!(error instanceof SourceDamagedError)) throw error;
          const problem = `cannot restore ${bufferPath}: the camera file no longer holds this movie's bytes (${error.message})`;
          throw ApplicationFailure.nonRetryable(problem, 'CameraFileChanged');
        });
        // Replacing is safe here: the file replaced is this movie's own copy, proven not to hold its bytes.
        await rename(fresh, bufferPath);
        restored.push(bufferPath);
      }
      if (restored.length) logger.warn({ restored }, 'damaged buffer copy replaced by a verified copy of the camera file');
      return { restored, attempt: currentAttempt() };
    },

    /** Deletes the buffer copies only after every archive copy is read back in full and matches. */
    async expireBufferCopy(input: { buffer: PlacedPart[]; archive: PlacedPart[] }) {
      for (const archived of input.archive) {
        const archivePath = await confineReal(config.archive.root, archived.path).catch(refuseUnsafe);
        const now = await fingerprintStoredIfPresent(archivePath, archived.compression);
        if (!now) return { deleted: false, detail: `archive copy ${archivePath} is missing`, attempt: currentAttempt() };
        if (!sameContent(now, archived.fingerprint)) {
          logger.error({ archivePath, found: now, expected: archived.fingerprint }, 'archive copy damaged; buffer copy kept');
          return {
            deleted: false,
            detail: `archive copy ${archivePath} differs (${describeContent(now)}, expected ${describeContent(archived.fingerprint)})`,
            damaged: archived,
            attempt: currentAttempt(),
          };
        }
      }
      const bufferPaths = await Promise.all(input.buffer.map((p) => confineReal(bufferHost.root, p.path).catch(refuseUnsafe)));
      for (const bufferPath of bufferPaths) await unlink(bufferPath).catch(ignoreMissing);
      await removeEmptyFolders(bufferPaths, bufferHost.root);
      logger.info({ bufferPaths }, 'buffer copy expired');
      return { deleted: true, attempt: currentAttempt() };
    },
  };
}

export type IoActivities = ReturnType<typeof createIoActivities>;
