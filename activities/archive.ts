/**
 * Activities of an archive queue: copy a verified buffer copy to primary storage (GPFS) and prove the copy.
 * They run on a buffer host's archive worker, which sees both that host's buffer and the archive mount.
 */
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Config } from '../src/config.js';
import { compressionFor, compressVerified, COMPRESSED_SUFFIX, fingerprintStoredIfPresent } from '../src/compression.js';
import { copyVerified, describeContent, sameContent, SourceDamagedError } from '../src/copy.js';
import { filesForLog, type Logger } from '../src/logger.js';
import type { FileFingerprint, PlacedPart } from '../src/movie.js';
import { isGrantableOwner } from '../src/ownership.js';
import { PartManifests } from '../src/partManifests.js';
import type { Parts } from '../src/parts.js';
import { confineTo } from '../src/paths.js';
import { SafeRoot, UnsafePathError, type Owner } from '../src/safeFs.js';
import { FAILURE_TYPES } from '../src/operatorNames.js';
import { publishPart, setAside, type Published } from '../src/publish.js';
import type { ProbeResult, TargetGate } from '../src/storageHealth.js';
import { guardActivities } from './guard.js';
import { currentAttempt, heartbeatProgress, heartbeatWhile } from './progress.js';
import { syncReferencesToArchive } from './references.js';
import { oneAtATime } from '../src/oneAtATime.js';

/** One line per archived movie in the archive session folder, as transfermonitor.sh kept. */
export const TRANSFER_LOG = 'transfer.log';

export function transferLogLine(at: Date, fileName: string, fingerprint: FileFingerprint, from: string): string {
  return `${at.toISOString()}\tarchived and verified\t${fileName}\t${fingerprint.bytes} B\txxh3-64 ${fingerprint.hash}\tfrom ${from}\n`;
}

export interface ArchiveMovieInput {
  buffer: Parts<PlacedPart>;
  bufferDir: string;
  archiveDir: string;
  filename: string;
  /** Archive copies the expiry check found damaged: set aside (kept) so a good copy can take their name. */
  damagedArchive?: PlacedPart[];
}

export interface ArchiveDeps {
  config: Config;
  bufferRoot: string;
  /** The target's health as this process last probed it; copies wait while it is down. */
  gate: TargetGate;
  logger: Logger;
}

export function createArchiveActivities({ config, bufferRoot, gate, logger }: ArchiveDeps) {
  const buffer = new SafeRoot(bufferRoot);
  const archive = new SafeRoot(config.archive.root);
  const manifests = new PartManifests(buffer);
  /** Archive copies get the owner and mode of the buffer copy (and folder), as transfermonitor.sh did; never root's from data. */
  const ownershipOf = (info: { mode: number; uid: number; gid: number }) => ({
    mode: info.mode & 0o7777,
    owner: config.ownership.chown && isGrantableOwner(info) ? ({ uid: info.uid, gid: info.gid } as Owner) : null,
  });
  async function bufferEntry(file: string, kind: 'file' | 'folder') {
    const info = await buffer.entry(file);
    if (!info) throw ApplicationFailure.nonRetryable(`buffer ${kind} ${file} is missing; nothing was archived`, FAILURE_TYPES.bufferCopyMissing);
    if (kind === 'file' ? !info.isFile() : !info.isDirectory()) throw new UnsafePathError(`buffer ${kind} ${file} is a link or not a ${kind}; refusing to archive it`);
    return info;
  }

  return guardActivities({
    /** The scheduled health probe (storageHealth workflow); copies of this process use its result too. */
    async probeArchiveTarget(): Promise<ProbeResult> {
      const health = await gate.probeNow();
      if (health.lastProbe && !health.lastProbe.ok) logger.warn({ target: config.archive.target, problem: health.lastProbe.problem }, 'archive target is down');
      return health.lastProbe!;
    },

    /**
     * Copies a movie's buffer copies into the session's archive folder under their Leginon names. The bytes read
     * must hash to the fingerprints taken off the camera, so a buffer copy that rotted is caught here, not archived.
     */
    async archiveMovie(input: ArchiveMovieInput) {
      return afterEarlierAttempts(path.join(input.archiveDir, input.filename), async () => {
        await waitForTarget();
        return archiveParts(input);
      });
    },
  });

  async function archiveParts(input: ArchiveMovieInput) {
    const folder = confineTo(config.archive.root, input.archiveDir);
    const bufferDir = confineTo(bufferRoot, input.bufferDir);
    const folderOwnership = ownershipOf(await bufferEntry(bufferDir, 'folder'));
    // Given to the session's owner only if this call creates it; an archive folder already there keeps its owner.
    await archive.ensureFolder(folder, folderOwnership);
    const progress = heartbeatProgress();
    const warnings: string[] = [];
    for (const damaged of input.damagedArchive ?? []) {
      const warning = await setAsideIfDamaged(damaged);
      if (warning) warnings.push(warning);
    }
    const archived: Published[] = [];
    let bytesBefore = 0;
    for (const part of await manifests.load(input.buffer)) {
      const bufferPath = confineTo(bufferRoot, part.path);
      const ownership = ownershipOf(await bufferEntry(bufferPath, 'file'));
      const compression = compressionFor(part.targetSuffix, config.archive.compressMrc);
      const targetSuffix = compression ? `${part.targetSuffix}${COMPRESSED_SUFFIX[compression]}` : part.targetSuffix;
      const onProgress = (n: number) => progress(bytesBefore + n);
      const from = { root: buffer, path: bufferPath };
      const published = await publishPart(
        { root: archive, path: folder },
        input.filename,
        { targetSuffix, fingerprint: part.fingerprint },
        async (target) => {
          const to = { root: archive, path: target };
          const outcome = await (compression
            ? compressVerified(from, to, part.fingerprint, { onProgress, ownership })
            : copyVerified(from, to, { expected: part.fingerprint, onProgress, ownership })
          ).catch(reportDamagedBuffer(bufferPath));
          return outcome.kind === 'copied' ? 'done' : outcome.kind;
        },
        folderOwnership,
      );
      bytesBefore += part.fingerprint.bytes;
      if (published.outcome === 'done') {
        const name = path.relative(folder, published.path);
        await archive.append(path.join(folder, TRANSFER_LOG), transferLogLine(new Date(), name, part.fingerprint, bufferPath), { owner: folderOwnership.owner });
      }
      if (published.conflict > 0) logger.warn({ path: published.path }, 'a different file already had this name in the archive; kept both');
      archived.push({ ...published, compression });
    }
    warnings.push(...(await syncReferencesToArchive({ root: buffer, path: bufferDir }, { root: archive, path: folder })));
    logger.info({ parts: filesForLog(archived.map((p) => p.path)) }, 'archived and verified');
    return { parts: await manifests.store(archived), warnings, attempt: currentAttempt() };
  }

  /**
   * Waits in this archive slot, touching nothing on the storage, until a probe finds the target up. The slots
   * stay taken, so the movies behind this one wait as tasks in their queue, in arrival order, instead of
   * retrying: after an outage the backlog drains oldest first at `archive.concurrency` copies per host.
   */
  async function waitForTarget(): Promise<void> {
    const context = Context.current();
    const pauseMs = Math.min(gate.freshForMs, (context.info.heartbeatTimeoutMs ?? 15_000) / 3);
    for (;;) {
      const health = await gate.check();
      if (health.state === 'up') return;
      const waiting = `archive target ${config.archive.target} is down since ${health.since}: ${health.lastProbe?.problem}; waiting for a probe to succeed`;
      context.heartbeat({ waiting });
      // Cancellable (the sleep): a hold placed meanwhile ends the wait.
      await Promise.race([context.sleep(pauseMs), gate.nextProbe()]);
    }
  }

  /**
   * A hold that cancels a copy frees the movie at once (an activity with retries has no start event until it
   * ends, and the SDK resolves its cancellation as soon as the server records the request; measured in
   * test/integration/neverFails.test.ts), while the old attempt stops only at its next heartbeat: a release meanwhile must not start a
   * second copy into the same temporary file. Waits, heartbeating, until this process's earlier attempt ended.
   */
  async function afterEarlierAttempts<T>(movie: string, work: () => Promise<T>): Promise<T> {
    let started = false;
    const waiting = () => (started ? undefined : 'an earlier attempt of this movie is still stopping');
    return heartbeatWhile(
      oneAtATime(`archive:${movie}`, () => {
        started = true;
        return work();
      }),
      waiting,
    );
  }

  /** Moves an archive copy that no longer matches aside (never deleting it); a copy that matches again stays. */
  async function setAsideIfDamaged(damaged: PlacedPart): Promise<string | undefined> {
    const file = confineTo(config.archive.root, damaged.path);
    const now = await fingerprintStoredIfPresent({ root: archive, path: file }, damaged.compression);
    if (!now || sameContent(now, damaged.fingerprint)) return undefined;
    const aside = await setAside(archive, file, 'damaged');
    logger.error({ file, aside, found: now, expected: damaged.fingerprint }, 'archive copy damaged; kept aside and archived again');
    return `archive copy ${file} was damaged (${describeContent(now)}, expected ${describeContent(damaged.fingerprint)}); kept as ${path.basename(aside)} and archived again from the verified buffer copy`;
  }

  /** A buffer copy that no longer hashes to what came off the camera: no retry can fix it; the workflow decides. */
  function reportDamagedBuffer(bufferPath: string) {
    return (error: unknown): never => {
      if (!(error instanceof SourceDamagedError)) throw error;
      logger.error({ bufferPath, problem: error.message }, 'buffer copy damaged; not archived');
      throw ApplicationFailure.create({
        type: FAILURE_TYPES.bufferCopyDamaged,
        nonRetryable: true,
        message: `buffer copy ${bufferPath} is damaged: ${error.message}`,
      });
    };
  }
}

export type ArchiveActivities = ReturnType<typeof createArchiveActivities>;
