/**
 * Activities of a buffer host's I/O queue (`io@<bufferHost>`): everything that touches the camera share and
 * the buffer disk. Each is thin: paths are checked against the configured roots, the work is done by the pure
 * and engine modules in src/.
 */
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { cameraConfig, type BufferHostConfig, type Config } from '../src/config.js';
import { copyVerified, fingerprintFile, HASH_ALGORITHM, moveNoClobber, sourceIdentity } from '../src/copy.js';
import { confineReal, ensureFolderInside } from '../src/fsGuards.js';
import {
  findBufferFramePath,
  findEnabledBufferHost,
  findImagesByFramesName,
  insertBufferFramePath,
  type Db,
} from '../src/leginondb.js';
import type { Logger } from '../src/logger.js';
import type { FileFingerprint, SourceIdentity } from '../src/movie.js';
import { conflictFileName, leginonMovieFileName } from '../src/names.js';
import { isInside } from '../src/paths.js';
import { applyOwnership, parseMode, sessionOwner, type Owner } from '../src/ownership.js';
import { chooseImage, planDestination } from '../src/routing.js';
import { currentAttempt, heartbeatProgress, isUnsafe, refuseUnsafe } from './progress.js';

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
      movieFileName: string;
      bufferDir: string;
      archiveDir: string;
      bufferIsArchive: boolean;
      owner: Owner | null;
    }
  | { kind: 'not-found'; detail: string }
  | { kind: 'refused'; detail: string };

export type PlaceOutcome = 'moved' | 'already-present' | 'kept-both';

export function createIoActivities({ config, bufferHost, db, logger }: IoDeps) {
  return {
    async copyFromCamera(input: { cameraHost: string; fileName: string }) {
      const camera = cameraConfig(config, input.cameraHost);
      const sourcePath = await confineReal(camera.root, input.fileName).catch(refuseUnsafe);
      const staging = await ensureFolderInside(bufferHost.root, stagingFolder(bufferHost.root, input.cameraHost));
      const stagedPath = path.join(staging, input.fileName);
      // A staged file from an earlier attempt is this movie's own intermediate; the camera file is still the truth.
      await unlink(stagedPath).catch(() => undefined);
      const outcome = await copyVerified(sourcePath, stagedPath, { onProgress: heartbeatProgress() });
      logger.info({ sourcePath, stagedPath, ...outcome.fingerprint }, 'copied from camera and verified');
      return {
        sourcePath,
        stagedPath,
        source: outcome.source,
        fingerprint: { ...outcome.fingerprint, algorithm: HASH_ALGORITHM },
        attempt: currentAttempt(),
      };
    },

    /** Never answers "not found" for a database it could not ask: query errors fail the activity and retry. */
    async resolveLeginonName(input: {
      cameraHost: string;
      framesName: string;
      suffix: string;
      lookBackDays: number;
    }): Promise<LeginonLookup> {
      const matches = await findImagesByFramesName(db, input.framesName, input.cameraHost, input.lookBackDays);
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
        const movieFileName = leginonMovieFileName(image.filename, input.suffix);
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
          movieFileName,
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
     * Moves the staged copy to its Leginon name. An identical file already there wins (the staged copy is
     * dropped); a different one is kept and the movie is stored beside it under a conflict name.
     */
    async placeInSession(input: {
      stagedPath: string;
      bufferDir: string;
      bufferIsArchive: boolean;
      movieFileName: string;
      suffix: string;
      fingerprint: FileFingerprint;
      owner: Owner | null;
    }) {
      const root = input.bufferIsArchive ? config.archive.root : bufferHost.root;
      const stagedPath = await confineReal(bufferHost.root, input.stagedPath).catch(refuseUnsafe);
      const folder = await ensureFolderInside(root, input.bufferDir).catch(refuseUnsafe);
      const { chown: chownEnabled, fileMode, folderMode } = config.ownership;
      // The frame folder and the session folder above it belong to the session's owner, as Leginon makes them.
      for (const owned of [folder, path.dirname(folder)].filter((f) => isInside(root, f))) {
        await applyOwnership(owned, parseMode(folderMode), input.owner, chownEnabled);
      }
      for (let attempt = 0; ; attempt++) {
        const name = attempt === 0 ? input.movieFileName : conflictFileName(input.movieFileName, input.suffix, attempt);
        const bufferPath = path.join(folder, name);
        const result = await moveNoClobber(stagedPath, bufferPath, input.fingerprint).catch(async (error) => {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          // The staged copy is gone: an earlier attempt moved it before it could report. Find where it went.
          const present = await fingerprintFile(bufferPath).catch(() => undefined);
          if (!present) {
            throw new Error(`staged copy ${stagedPath} is missing and ${bufferPath} does not exist; the camera file is kept`);
          }
          return present.hash === input.fingerprint.hash && present.bytes === input.fingerprint.bytes
            ? ('already-present' as const)
            : ('destination-differs' as const);
        });
        if (result === 'destination-differs') {
          logger.warn({ bufferPath, stagedPath }, 'a different file already has this name; keeping both');
          continue;
        }
        const outcome: PlaceOutcome = attempt === 0 ? result : 'kept-both';
        if (result === 'moved') await applyOwnership(bufferPath, parseMode(fileMode), input.owner, chownEnabled);
        logger.info({ bufferPath, outcome }, 'placed in session folder');
        return { bufferPath, outcome, attempt: currentAttempt() };
      }
    },

    /**
     * Clears a camera file that Leginon never recorded off the camera's watched folder, as rawtransfer did with
     * "bad files": into the hidden holding folder, or (unknownFiles: delete) off the camera altogether, which is
     * safe only because its verified copy stays in the buffer's staging folder.
     */
    async setAsideUnknownMovie(input: { cameraHost: string; sourcePath: string; stagedPath: string; fingerprint: FileFingerprint }) {
      const camera = cameraConfig(config, input.cameraHost);
      const sourcePath = await confineReal(camera.root, input.sourcePath).catch(refuseUnsafe);
      const staged = await fingerprintFile(input.stagedPath);
      if (staged.hash !== input.fingerprint.hash || staged.bytes !== input.fingerprint.bytes) {
        throw new Error(`staged copy ${input.stagedPath} no longer matches the camera file's hash; the camera file is kept`);
      }
      if (config.leginon.unknownFiles === 'delete') {
        await unlink(sourcePath).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
        logger.warn({ sourcePath, stagedPath: input.stagedPath }, 'no Leginon row: camera file deleted, verified copy kept in staging');
        return { cameraPath: undefined, detail: `deleted from the camera; its verified copy is ${input.stagedPath}` };
      }
      const holding = await ensureFolderInside(camera.root, path.join(camera.root, config.leginon.holdingFolder));
      for (let attempt = 0; ; attempt++) {
        const base = path.basename(sourcePath);
        const heldPath = path.join(holding, attempt === 0 ? base : `${base}.conflict-${attempt}`);
        const result = await moveNoClobber(sourcePath, heldPath, input.fingerprint).catch(async (error: NodeJS.ErrnoException) => {
          // Moved by an earlier attempt that could not report.
          if (error.code === 'ENOENT' && (await fingerprintFile(heldPath).catch(() => undefined))?.hash === input.fingerprint.hash) {
            return 'already-present' as const;
          }
          throw error;
        });
        if (result === 'destination-differs') continue;
        logger.warn({ sourcePath, heldPath }, 'no Leginon row: camera file moved to the holding folder');
        return { cameraPath: heldPath, detail: `moved on the camera to ${heldPath}` };
      }
    },

    /**
     * Deletes the camera file, which is only done once its buffer copy is verified and placed. A camera file
     * that changed since it was copied is a different file: it is left alone and reported.
     */
    async freeCamera(input: {
      cameraHost: string;
      sourcePath: string;
      source: SourceIdentity;
      bufferPath: string;
      fingerprint: FileFingerprint;
    }) {
      const sourcePath = await confineReal(cameraConfig(config, input.cameraHost).root, input.sourcePath).catch(refuseUnsafe);
      const camera = await sourceIdentity(sourcePath).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!camera) return { freed: true, detail: 'camera file already gone', attempt: currentAttempt() };
      if (camera.bytes !== input.source.bytes || camera.mtimeMs !== input.source.mtimeMs) {
        return {
          freed: false,
          detail: `camera file ${sourcePath} changed after it was copied (now ${camera.bytes} B); left on the camera`,
          attempt: currentAttempt(),
        };
      }
      const buffered = await stat(input.bufferPath);
      if (buffered.size !== input.fingerprint.bytes) {
        throw new Error(`buffer copy ${input.bufferPath} has ${buffered.size} B, expected ${input.fingerprint.bytes} B; camera file kept`);
      }
      await unlink(sourcePath);
      logger.info({ sourcePath }, 'camera file deleted after verified copy');
      return { freed: true, attempt: currentAttempt() };
    },

    /** Deletes the buffer copy only after the archive copy is read back in full and matches. */
    async expireBufferCopy(input: { bufferPath: string; archivePath: string; fingerprint: FileFingerprint }) {
      const bufferPath = await confineReal(bufferHost.root, input.bufferPath).catch(refuseUnsafe);
      const archivePath = await confineReal(config.archive.root, input.archivePath).catch(refuseUnsafe);
      const archived = await fingerprintFile(archivePath).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!archived) {
        return { deleted: false, detail: `archive copy ${archivePath} is missing`, attempt: currentAttempt() };
      }
      if (archived.hash !== input.fingerprint.hash || archived.bytes !== input.fingerprint.bytes) {
        return {
          deleted: false,
          detail: `archive copy ${archivePath} differs (${archived.hash}/${archived.bytes} B, expected ${input.fingerprint.hash}/${input.fingerprint.bytes} B)`,
          attempt: currentAttempt(),
        };
      }
      await unlink(bufferPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      logger.info({ bufferPath, archivePath }, 'buffer copy expired');
      return { deleted: true, attempt: currentAttempt() };
    },
  };
}

export type IoActivities = ReturnType<typeof createIoActivities>;
