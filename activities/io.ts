/**
 * Activities of a buffer host's I/O queue (`io@<bufferHost>`): everything that touches the camera share and
 * the buffer disk. Each is thin: paths are checked against the configured roots, the work is done by the pure
 * and engine modules in src/.
 */
import { statfs } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import path from 'node:path';
import { COMPRESSED_SUFFIX, fingerprintStoredIfPresent } from '../src/compression.js';
import { cameraConfig, type BufferHostConfig, type CameraConfig, type Config } from '../src/config.js';
import {
  copyVerified,
  describeContent,
  fingerprintAt,
  HASH_ALGORITHM,
  moveNoClobber,
  sameContent,
  SourceDamagedError,
  sourceIdentityAt,
  type Place,
} from '../src/copy.js';
import { confineReal, removeEmptyFolders } from '../src/fsGuards.js';
import { explainUnreachable, insertBufferFramePath, recordDdInfo, type Db, type ImageClass } from '../src/leginondb.js';
import { DE_INFO_MAX_BYTES, parseDeInfo } from '../src/ddinfo.js';
import { lookUpLeginonImage } from '../src/leginonLookup.js';
import { filesForLog, type Logger } from '../src/logger.js';
import { isMounted, unmountedBecause } from '../src/mounts.js';
import type { CopiedPart, MoviePart, PlacedPart } from '../src/movie.js';
import { DE_INFO_FILE, isDeFolderFile, leginonMovieFileName, refuseUnshowableName, sidecarName } from '../src/names.js';
import { confineTo } from '../src/paths.js';
import { FAILURE_TYPES } from '../src/operatorNames.js';
import { parseMode, sessionOwner, type Owner } from '../src/ownership.js';
import { PartManifests } from '../src/partManifests.js';
import type { Parts } from '../src/parts.js';
import { publishPart, type Published } from '../src/publish.js';
import { movieRootHolding, SafeRoot, UnsafePathError } from '../src/safeFs.js';
import { formatBytes } from '../src/units.js';
import { activeBufferHost } from '../src/routing.js';
import { guardActivities } from './guard.js';
import { currentAttempt, heartbeatProgress, isUnsafe, waitFailure } from './progress.js';
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
      imageClass: ImageClass;
      imageId: number;
      filename: string;
      bufferDir: string;
      archiveDir: string;
      bufferIsArchive: boolean;
      owner: Owner | null;
    }
  /** noImageAt: see LeginonImageChoice; handed back as noImageSince, the next lookup reads only newer rows. */
  | { kind: 'not-found'; detail: string; noImageAt?: string }
  | { kind: 'refused'; detail: string };

/** `unknown`: no Leginon image yet (it may be written any moment), so nothing tells the movie is another server's. */
export type CameraMovieClaim = { claim: 'ours' } | { claim: 'unknown'; noImageAt?: string } | { claim: 'not-ours'; detail: string };

/**
 * The parts of a camera entry: a movie file and its sidecar, or every file of a DE frames folder, with their
 * sizes. Links are refused, not followed: the share is the camera PC's, and root reads it.
 */
async function listParts(camera: SafeRoot, fileName: string, suffix: string, framesName: string): Promise<(MoviePart & { bytes: number })[]> {
  const where = path.join(camera.root, fileName);
  const entry = await camera.entry(where);
  if (!entry) throw ApplicationFailure.nonRetryable(`camera file ${where} is gone (deleted on the camera PC?); nothing was copied`, FAILURE_TYPES.cameraFileGone);
  if (entry.isSymbolicLink()) throw new UnsafePathError(`camera entry ${where} is a symbolic link; refusing to follow it`);
  if (entry.isDirectory()) {
    const files = (await camera.listWithStats(where, heartbeatProgress('partsDone'))).filter(isDeFolderFile).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (files.length === 0) throw new Error(`DE frames folder ${fileName} is empty`);
    return files.map((f) => ({ source: path.join(fileName, f.name), targetSuffix: `${suffix}/${f.name}`, bytes: f.stats.size }));
  }
  if (!entry.isFile()) throw new UnsafePathError(`camera entry ${where} is neither a file nor a folder`);
  const parts = [{ source: fileName, targetSuffix: suffix, bytes: entry.size }];
  const sidecar = await camera.entry(path.join(camera.root, sidecarName(framesName)));
  if (sidecar?.isFile()) parts.push({ source: sidecarName(framesName), targetSuffix: '.frames.xml', bytes: sidecar.size });
  return parts;
}

interface VerifiedCopy {
  path: string;
  dev: number;
  ino: number;
}

const bySuffix = <T extends { targetSuffix: string }>(parts: T[]) => new Map(parts.map((p) => [p.targetSuffix, p]));

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

export function createIoActivities({ config, bufferHost, db, logger }: IoDeps) {
  const buffer = new SafeRoot(bufferHost.root);
  const archive = new SafeRoot(config.archive.root);
  const manifests = new PartManifests(buffer);
  const cameraRoots = new Map(config.cameras.map((camera) => [camera.host, new SafeRoot(camera.root)]));
  const cameraRoot = (cameraHost: string) => cameraRoots.get(cameraHost)!;
  const { chown: chownEnabled, fileMode, folderMode } = config.ownership;
  /** Whom the session's new folders and files are given to: nobody when chown is off. */
  const grantee = (owner: Owner | null) => (chownEnabled ? owner : null);

  /** A full buffer makes the copy wait (retried, visible in status) before a single byte is written. */
  async function requireRoomFor(needed: number): Promise<void> {
    const fs = await statfs(bufferHost.root);
    const free = fs.bavail * fs.bsize;
    const reserve = config.capacity.reserveGiB * 1024 ** 3;
    if (free - needed < reserve) {
      throw waitFailure(
        FAILURE_TYPES.bufferFull,
        `buffer ${bufferHost.root} is full: ${formatBytes(free)} free, this movie needs ${formatBytes(needed)} and capacity.reserveGiB keeps ${formatBytes(reserve)}; waiting, nothing written, the camera file stays`,
      );
    }
  }

  /** The camera's config, once its share is mounted: an unmounted share would read as "every file gone". */
  async function mountedCamera(cameraHost: string): Promise<CameraConfig> {
    const camera = cameraConfig(config, cameraHost);
    if (!(await isMounted(camera))) {
      throw waitFailure(
        FAILURE_TYPES.cameraShareDown,
        `camera share ${camera.root} is not mounted (${unmountedBecause(camera)}); waiting, nothing is taken from it or deleted on it`,
      );
    }
    return camera;
  }

  const rootHolding = (file: string) => movieRootHolding(file, buffer, archive);

  const chooseLeginonImage = (input: { cameraHost: string; framesName: string; lookBackDays: number; noImageSince?: string }) =>
    lookUpLeginonImage(db, input, config.leginon.destinationHead).catch(explainUnreachable(config.leginondb.url));

  return guardActivities({
    ...createReferenceActivities({ config, bufferRoot: bufferHost.root, db, logger }),
    /** Copies every part of a camera movie into staging, each verified; the camera files stay untouched. */
    async copyFromCamera(input: { cameraHost: string; fileName: string; framesName: string; suffix: string }) {
      const camera = await mountedCamera(input.cameraHost);
      const share = cameraRoot(camera.host);
      refuseUnshowableName(input.fileName, 'camera file name');
      await confineReal(camera.root, input.fileName);
      const parts = await listParts(share, input.fileName, input.suffix, input.framesName);
      const staging = stagingFolder(bufferHost.root, input.cameraHost);
      await requireRoomFor(parts.reduce((sum, part) => sum + part.bytes, 0));
      const progress = heartbeatProgress();
      const copied: CopiedPart[] = [];
      let bytesBefore = 0;
      for (const folder of new Set(parts.map((part) => path.dirname(path.join(staging, part.source))))) await buffer.ensureFolder(folder);
      for (const { bytes: _bytes, ...part } of parts) {
        const sourcePath = confineTo(camera.root, part.source);
        const stagedPath = path.join(staging, part.source);
        // A staged file from an earlier attempt is this movie's own intermediate; the camera file is still the truth.
        await buffer.unlink(stagedPath).catch(() => undefined);
        const outcome = await copyVerified({ root: share, path: sourcePath }, { root: buffer, path: stagedPath }, { onProgress: (n) => progress(bytesBefore + n) }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOSPC') throw error;
          throw waitFailure(
            FAILURE_TYPES.bufferFull,
            `buffer ${bufferHost.root} filled up during the copy (other writes took the room); the partial copy was removed, the camera file stays; waiting`,
          );
        });
        bytesBefore += outcome.fingerprint.bytes;
        copied.push({ ...part, sourcePath, stagedPath, fingerprint: outcome.fingerprint, identity: outcome.source });
        logger.info({ sourcePath, stagedPath, ...outcome.fingerprint }, 'copied from camera and verified');
      }
      return { parts: await manifests.store(copied), algorithm: HASH_ALGORITHM, attempt: currentAttempt() };
    },

    /**
     * Whether a complete camera movie is this server's to take, asked before anything is copied: with a
     * destination head, a movie whose Leginon image routes elsewhere is another server's and stays on the camera
     * untouched (one log line), as rawtransfer leaves it. Without a head every movie is ours, unasked.
     */
    async claimCameraMovie(input: { cameraHost: string; framesName: string; lookBackDays: number; noImageSince?: string }): Promise<CameraMovieClaim> {
      if (!config.leginon.destinationHead) return { claim: 'ours' };
      const choice = await chooseLeginonImage(input);
      if (choice.kind === 'not-ours') {
        logger.info({ framesName: input.framesName, detail: choice.detail }, "another server's movie: left on the camera untouched");
        return { claim: 'not-ours', detail: choice.detail };
      }
      return choice.kind === 'chosen' ? { claim: 'ours' } : { claim: 'unknown', ...(choice.noImageAt ? { noImageAt: choice.noImageAt } : {}) };
    },

    /** Never answers "not found" for a database it could not ask: query errors fail the activity and retry. */
    async resolveLeginonName(input: {
      cameraHost: string;
      framesName: string;
      suffix: string;
      lookBackDays: number;
      noImageSince?: string;
    }): Promise<LeginonLookup> {
      const choice = await chooseLeginonImage(input);
      const where = `frames name ${JSON.stringify(input.framesName)} on camera host ${input.cameraHost} in the last ${input.lookBackDays} days`;
      if (choice.kind === 'none') {
        const detail =
          choice.reason === 'no-image'
            ? `no Leginon image has ${where}`
            : `all ${choice.count} Leginon images with ${where} are aligned re-saves`;
        return { kind: 'not-found', detail, ...(choice.noImageAt ? { noImageAt: choice.noImageAt } : {}) };
      }
      if (choice.kind === 'not-ours') {
        return { kind: 'refused', detail: `${choice.detail} (${where}): another server's movie, left on the camera` };
      }
      const image = choice.image;
      try {
        // The session name reaches folder names, search attributes and CTFFIND's dialogue on stdin.
        refuseUnshowableName(image.session.name, 'Leginon session name');
      } catch (error) {
        return { kind: 'refused', detail: (error as Error).message };
      }
      const plan = choice.plan;
      if (plan.kind === 'unroutable') return { kind: 'refused', detail: plan.reason };
      const bufferHostRow = activeBufferHost(image, choice.rows);
      try {
        // Refuses a filename that could escape the folder, before anything is placed under it.
        leginonMovieFileName(image.filename, input.suffix);
        const bufferRoot = plan.bufferIsArchive ? config.archive.root : bufferHost.root;
        const bufferDir = await confineReal(bufferRoot, plan.bufferDir);
        const archiveDir = await confineReal(config.archive.root, plan.archiveDir);
        if (plan.newBufferFramePath && bufferHostRow) {
          const recorded = await insertBufferFramePath(db, image.session.id, bufferHostRow.id, plan.newBufferFramePath).catch(
            explainUnreachable(config.leginondb.url),
          );
          if (!recorded) logger.debug({ session: image.session.name }, 'this leginondb has no BufferFramePathData table: the buffer frame path is built again each time, as Appion builds it');
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
      parts: Parts<CopiedPart>;
      bufferDir: string;
      bufferIsArchive: boolean;
      filename: string;
      owner: Owner | null;
    }) {
      const parts = await manifests.load(input.parts);
      const root = input.bufferIsArchive ? archive : buffer;
      const folder = confineTo(root.root, input.bufferDir);
      const owner = grantee(input.owner);
      const folderOwnership = { mode: parseMode(folderMode), owner };
      // The frame folder belongs to the session's owner, as Leginon makes it: given away only when created here.
      await root.ensureFolder(folder, folderOwnership);
      const placed: Published[] = [];
      const progress = heartbeatProgress('partsDone');
      for (const part of parts) {
        progress(placed.length);
        const staged: Place = { root: buffer, path: confineTo(bufferHost.root, part.stagedPath) };
        const published = await publishPart(
          { root, path: folder },
          input.filename,
          part,
          async (target) => {
            const result = await moveNoClobber(staged, { root, path: target }, part.fingerprint, { mode: parseMode(fileMode), owner });
            return result === 'moved' ? 'done' : result;
          },
          folderOwnership,
        );
        if (published.conflict > 0) logger.warn({ path: published.path }, 'a different file already had this name; kept both');
        placed.push(published);
      }
      await removeEmptyFolders(
        buffer,
        parts.map((p) => p.stagedPath),
        stagingFolder(bufferHost.root, input.cameraHost),
      );
      logger.info({ parts: filesForLog(placed.map((p) => p.path)) }, 'placed in session folder');
      return { parts: await manifests.store(placed), attempt: currentAttempt() };
    },

    /**
     * Records a placed DE folder's info.txt in leginondb's DDinfo tables, as rawtransfer does after its transfer.
     * Lines it cannot store are skipped and reported; a folder without info.txt records nothing.
     */
    async recordDeInfo(input: { imageClass: ImageClass; imageId: number; parts: Parts<PlacedPart>; bufferIsArchive: boolean }) {
      const parts = await manifests.load(input.parts);
      const info = parts.find((part) => path.basename(part.path) === DE_INFO_FILE);
      if (!info) return { recorded: 0, warnings: [] };
      const root = input.bufferIsArchive ? archive : buffer;
      const file = confineTo(root.root, info.path);
      const bytes = (await root.entry(file))?.size ?? 0;
      if (bytes > DE_INFO_MAX_BYTES) return { recorded: 0, warnings: [`${file} holds ${formatBytes(bytes)}: no DE description is that long; not recorded in leginondb`] };
      const parsed = parseDeInfo(await root.readText(file));
      const outcome = await recordDdInfo(db, input.imageClass, input.imageId, parsed.entries).catch(explainUnreachable(config.leginondb.url));
      const warnings = parsed.skipped.map((line) => `${file} ${line}: not recorded in leginondb`);
      if (!outcome.recorded) warnings.push(`${file} not recorded: this leginondb has no DDinfo tables (or no camera record for the image)`);
      logger.info({ file, entries: parsed.entries.length, cameraId: outcome.cameraId }, 'DE info recorded in leginondb');
      return { recorded: outcome.recorded ? parsed.entries.length : 0, warnings };
    },

    /**
     * Clears a camera movie that Leginon never recorded off the camera's watched folder, as rawtransfer did with
     * "bad files": into the hidden holding folder, or (unknownFiles: delete) off the camera altogether, which is
     * safe only because its verified copy stays in the buffer's staging folder.
     */
    async setAsideUnknownMovie(input: { cameraHost: string; parts: Parts<CopiedPart> }) {
      const camera = await mountedCamera(input.cameraHost);
      const share = cameraRoot(camera.host);
      const parts = await manifests.load(input.parts);
      const sources = parts.map((p) => confineTo(camera.root, p.sourcePath));
      if (config.leginon.unknownFiles === 'delete') {
        // Deleting is safe only while the staged copy still holds exactly what the unchanged camera file holds.
        for (const [index, part] of parts.entries()) {
          const [staged, now] = await Promise.all([
            fingerprintAt({ root: buffer, path: confineTo(bufferHost.root, part.stagedPath) }),
            sourceIdentityAt({ root: share, path: sources[index]! }),
          ]);
          if (!sameContent(staged, part.fingerprint)) {
            throw ApplicationFailure.nonRetryable(`staged copy ${part.stagedPath} no longer matches the camera file's hash; the camera file is kept`, FAILURE_TYPES.copyNotVerified);
          }
          if (now && (now.bytes !== part.identity.bytes || now.mtimeMs !== part.identity.mtimeMs)) {
            throw ApplicationFailure.nonRetryable(`camera file ${sources[index]} changed after it was copied; it is kept`, FAILURE_TYPES.cameraFileChanged);
          }
        }
        for (const source of sources) await share.unlink(source).catch(ignoreMissing);
        await removeEmptyFolders(share, sources, camera.root);
        logger.warn({ sources: filesForLog(sources) }, 'no Leginon row: camera files deleted, verified copies kept in staging');
        return { parts: input.parts, detail: `deleted from the camera; its verified copy is ${parts[0]!.stagedPath}` };
      }
      const holding = path.join(camera.root, config.leginon.holdingFolder);
      await share.ensureFolder(holding);
      const held: CopiedPart[] = [];
      const progress = heartbeatProgress('partsDone');
      for (const [index, part] of parts.entries()) {
        progress(index);
        const published = await publishPart({ root: share, path: holding }, '', { targetSuffix: part.source, fingerprint: part.fingerprint }, async (target) => {
          const result = await moveNoClobber({ root: share, path: sources[index]! }, { root: share, path: target }, part.fingerprint);
          return result === 'moved' ? 'done' : result;
        });
        held.push({ ...part, sourcePath: published.path });
      }
      await removeEmptyFolders(share, sources, camera.root);
      logger.warn({ held: filesForLog(held.map((p) => p.sourcePath)) }, 'no Leginon row: camera files moved to the holding folder');
      return { parts: await manifests.store(held), cameraPath: held[0]!.sourcePath, detail: `moved on the camera to ${held[0]!.sourcePath}` };
    },

    /**
     * Deletes the camera files, which is only done once their buffer copies are verified and placed: each
     * placed copy is read again in full and must hash to what came off the camera (the workflow's word alone is
     * not enough to delete the only other copy). A camera file that changed since it was copied is a different
     * file: it is left alone and reported.
     */
    async freeCamera(input: { cameraHost: string; parts: Parts<CopiedPart>; placed: Parts<PlacedPart> }) {
      const camera = await mountedCamera(input.cameraHost);
      const share = cameraRoot(camera.host);
      const parts = await manifests.load(input.parts);
      const placedBySuffix = bySuffix(await manifests.load(input.placed));
      const changed: string[] = [];
      const progress = heartbeatProgress('partsDone');
      for (const [index, part] of parts.entries()) {
        progress(index);
        const placed = placedBySuffix.get(part.targetSuffix);
        if (!placed) throw ApplicationFailure.nonRetryable(`part ${part.targetSuffix} of ${part.sourcePath} was never placed; camera files kept`, FAILURE_TYPES.copyNotVerified);
        const now = await fingerprintAt({ root: rootHolding(placed.path), path: placed.path }).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          return undefined;
        });
        if (!now || !sameContent(now, part.fingerprint)) {
          const found = now ? `holds ${describeContent(now)}` : 'is missing';
          throw ApplicationFailure.nonRetryable(
            `buffer copy ${placed.path} ${found}, but the camera file hashed to ${describeContent(part.fingerprint)}; camera files kept`,
            FAILURE_TYPES.copyNotVerified,
          );
        }
      }
      const sources: string[] = [];
      for (const [index, part] of parts.entries()) {
        progress(parts.length + index);
        const sourcePath = confineTo(camera.root, part.sourcePath);
        const now = await sourceIdentityAt({ root: share, path: sourcePath });
        if (!now) continue;
        if (now.bytes !== part.identity.bytes || now.mtimeMs !== part.identity.mtimeMs) {
          changed.push(`camera file ${sourcePath} changed after it was copied (now ${now.bytes} B); left on the camera`);
          continue;
        }
        await share.unlink(sourcePath);
        sources.push(sourcePath);
      }
      changed.push(...(await removeEmptyFolders(share, parts.map((p) => p.sourcePath), camera.root)));
      if (sources.length) logger.info({ sources: filesForLog(sources) }, 'camera files deleted after verified copy');
      return { freed: changed.length === 0, warnings: changed, attempt: currentAttempt() };
    },

    /**
     * Replaces a damaged buffer copy with a fresh verified copy of the camera file, which must still be the file
     * that was first copied (same size, mtime and hash); parts whose buffer copy is intact are left alone.
     */
    async restoreBufferCopy(input: { cameraHost: string; parts: Parts<CopiedPart>; placed: Parts<PlacedPart> }) {
      const camera = await mountedCamera(input.cameraHost);
      const placedBySuffix = bySuffix(await manifests.load(input.placed));
      const restored: string[] = [];
      for (const part of await manifests.load(input.parts)) {
        const placed = placedBySuffix.get(part.targetSuffix)!;
        const bufferPath = confineTo(bufferHost.root, placed.path);
        const now = await fingerprintAt({ root: buffer, path: bufferPath }).catch((error: NodeJS.ErrnoException) => ignoreMissing(error));
        if (now && sameContent(now, part.fingerprint)) continue;
        const sourcePath = confineTo(camera.root, part.sourcePath);
        const fresh = path.join(path.dirname(bufferPath), `.${path.basename(bufferPath)}.restored`);
        await buffer.unlink(fresh).catch(ignoreMissing);
        const from = { root: cameraRoot(camera.host), path: sourcePath };
        await copyVerified(from, { root: buffer, path: fresh }, { expected: part.fingerprint, onProgress: heartbeatProgress() }).catch((error: unknown) => {
          if (!(error instanceof SourceDamagedError)) throw error;
          const problem = `cannot restore ${bufferPath}: the camera file no longer holds this movie's bytes (${error.message})`;
          throw ApplicationFailure.nonRetryable(problem, FAILURE_TYPES.cameraFileChanged);
        });
        // Replacing is safe here: the file replaced is this movie's own copy, proven not to hold its bytes.
        await buffer.rename(fresh, bufferPath);
        restored.push(bufferPath);
      }
      if (restored.length) logger.warn({ restored: filesForLog(restored) }, 'damaged buffer copy replaced by a verified copy of the camera file');
      return { restored, attempt: currentAttempt() };
    },

    /**
     * Deletes the buffer copies only after every archive copy is read back in full and matches, and only while
     * each archive copy is another file than the buffer copy it backs (another inode, outside the buffer root),
     * checked again right before each deletion.
     */
    async expireBufferCopy(input: { buffer: Parts<PlacedPart>; archive: Parts<PlacedPart> }) {
      // Unmounted, the archive reads as "every copy missing": the movie would be archived again and wait 14 days more.
      if (!(await isMounted(config.archive))) {
        throw waitFailure(FAILURE_TYPES.archiveTargetDown, `archive target ${config.archive.target} is not mounted (${unmountedBecause(config.archive)}); the buffer copy stays until its archive copy can be checked`);
      }
      /** Each verified archive copy by the buffer part it backs (its target suffix without the compression suffix). */
      const verified = new Map<string, VerifiedCopy>();
      const progress = heartbeatProgress('partsDone');
      for (const archived of await manifests.load(input.archive)) {
        progress(verified.size);
        const archivePath = confineTo(config.archive.root, archived.path);
        if (buffer.contains(archivePath)) throw new UnsafePathError(`archive copy ${archivePath} lies inside the buffer root ${buffer.root}; buffer copy kept`);
        const now = await fingerprintStoredIfPresent({ root: archive, path: archivePath }, archived.compression);
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
        const identity = await archive.entry(archivePath);
        const backs = archived.compression ? archived.targetSuffix.slice(0, -COMPRESSED_SUFFIX[archived.compression].length) : archived.targetSuffix;
        if (identity) verified.set(backs, { path: archivePath, dev: identity.dev, ino: identity.ino });
      }
      const bufferParts = await manifests.load(input.buffer);
      const bufferPaths = bufferParts.map((p) => confineTo(bufferHost.root, p.path));
      for (const [index, part] of bufferParts.entries()) {
        progress(verified.size + index);
        await refuseUnlessAnotherFile(bufferPaths[index]!, verified.get(part.targetSuffix));
        await buffer.unlink(bufferPaths[index]!).catch(ignoreMissing);
      }
      await removeEmptyFolders(buffer, bufferPaths, bufferHost.root);
      logger.info({ bufferPaths: filesForLog(bufferPaths) }, 'buffer copy expired');
      return { deleted: true, attempt: currentAttempt() };
    },

    /** Deletes the part manifests of a movie that has ended (its lists are in no payload any more). */
    async dropPartManifests(input: { manifests: string[] }) {
      return { dropped: await manifests.drop(input.manifests) };
    },
  });

  /** The last check before a buffer copy goes: its verified archive copy is still there, and is another file. */
  async function refuseUnlessAnotherFile(bufferPath: string, copy: VerifiedCopy | undefined): Promise<void> {
    if (!copy) throw new UnsafePathError(`buffer copy ${bufferPath} has no verified archive copy in the list it was given; buffer copy kept`);
    const own = await buffer.entry(bufferPath);
    const now = await archive.entry(copy.path);
    if (!now || now.dev !== copy.dev || now.ino !== copy.ino) {
      throw new Error(`archive copy ${copy.path} changed or went away during the expiry check; buffer copy ${bufferPath} kept, checking again`);
    }
    if (own && own.dev === now.dev && own.ino === now.ino) {
      throw new UnsafePathError(`archive copy ${copy.path} is the buffer copy ${bufferPath} itself (same file); buffer copy kept`);
    }
  }
}

export type IoActivities = ReturnType<typeof createIoActivities>;
