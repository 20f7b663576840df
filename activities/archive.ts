/**
 * Activities of an archive queue: copy a verified buffer copy to primary storage (GPFS) and prove the copy.
 * They run on a buffer host's archive worker, which sees both that host's buffer and the archive mount.
 */
import { appendFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../src/config.js';
import { compressionFor, compressVerified, COMPRESSED_SUFFIX } from '../src/compression.js';
import { copyVerified } from '../src/copy.js';
import { confineReal, ensureFolderInside } from '../src/fsGuards.js';
import type { Logger } from '../src/logger.js';
import type { FileFingerprint, PlacedPart } from '../src/movie.js';
import { applyOwnership } from '../src/ownership.js';
import { publishPart, type Published } from '../src/publish.js';
import { currentAttempt, heartbeatProgress, refuseUnsafe } from './progress.js';
import { syncReferencesToArchive } from './references.js';

/** One line per archived movie in the archive session folder, as transfermonitor.sh kept. */
export const TRANSFER_LOG = 'transfer.log';

export function transferLogLine(at: Date, fileName: string, fingerprint: FileFingerprint, from: string): string {
  return `${at.toISOString()}\tarchived and verified\t${fileName}\t${fingerprint.bytes} B\txxh3-64 ${fingerprint.hash}\tfrom ${from}\n`;
}

export interface ArchiveDeps {
  config: Config;
  bufferRoot: string;
  logger: Logger;
}

export function createArchiveActivities({ config, bufferRoot, logger }: ArchiveDeps) {
  return {
    /**
     * Copies a movie's buffer copies into the session's archive folder under their Leginon names. The bytes read
     * must hash to the fingerprints taken off the camera, so a buffer copy that rotted is caught here, not archived.
     */
    async archiveMovie(input: { buffer: PlacedPart[]; bufferDir: string; archiveDir: string; filename: string }) {
      const folder = await ensureFolderInside(config.archive.root, input.archiveDir).catch(refuseUnsafe);
      const bufferDir = await confineReal(bufferRoot, input.bufferDir).catch(refuseUnsafe);
      const chownEnabled = config.ownership.chown;
      const progress = heartbeatProgress();
      const archived: Published[] = [];
      let bytesBefore = 0;
      for (const part of input.buffer) {
        const bufferPath = await confineReal(bufferRoot, part.path).catch(refuseUnsafe);
        // Archive copies get the owner and mode of the buffer copy and its folder, as transfermonitor.sh did.
        const [bufferFile, bufferFolder] = await Promise.all([stat(bufferPath), stat(path.dirname(bufferPath))]);
        await applyOwnership(folder, bufferFolder.mode & 0o7777, bufferFolder, chownEnabled);
        const compression = compressionFor(part.targetSuffix, config.archive.compressMrc);
        const targetSuffix = compression ? `${part.targetSuffix}${COMPRESSED_SUFFIX[compression]}` : part.targetSuffix;
        const onProgress = (n: number) => progress(bytesBefore + n);
        const published = await publishPart(folder, input.filename, { targetSuffix, fingerprint: part.fingerprint }, async (target) => {
          const outcome = compression
            ? await compressVerified(bufferPath, target, part.fingerprint, onProgress)
            : await copyVerified(bufferPath, target, { expected: part.fingerprint, onProgress });
          return outcome.kind === 'copied' ? 'done' : outcome.kind;
        });
        bytesBefore += part.fingerprint.bytes;
        if (published.outcome === 'done') {
          await applyOwnership(published.path, bufferFile.mode & 0o7777, bufferFile, chownEnabled);
          const name = path.relative(folder, published.path);
          await appendFile(path.join(folder, TRANSFER_LOG), transferLogLine(new Date(), name, part.fingerprint, bufferPath));
        }
        if (published.conflict > 0) logger.warn({ path: published.path }, 'a different file already had this name in the archive; kept both');
        archived.push({ ...published, compression });
      }
      const warnings = await syncReferencesToArchive(bufferDir, folder);
      logger.info({ parts: archived.map((p) => p.path) }, 'archived and verified');
      return { parts: archived, warnings, attempt: currentAttempt() };
    },
  };
}

export type ArchiveActivities = ReturnType<typeof createArchiveActivities>;
