/**
 * Activities of an archive queue: copy a verified buffer copy to primary storage (GPFS) and prove the copy.
 * They run on a buffer host's archive worker, which sees both that host's buffer and the archive mount.
 */
import { appendFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../src/config.js';
import { copyVerified } from '../src/copy.js';
import { confineReal, ensureFolderInside } from '../src/fsGuards.js';
import type { Logger } from '../src/logger.js';
import type { FileFingerprint } from '../src/movie.js';
import { conflictFileName } from '../src/names.js';
import { applyOwnership } from '../src/ownership.js';
import { currentAttempt, heartbeatProgress, refuseUnsafe } from './progress.js';

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
     * Copies the buffer copy into the session's archive folder under its Leginon name. The bytes read must hash
     * to the fingerprint taken off the camera, so a buffer copy that rotted is caught here, not archived.
     */
    async archiveMovie(input: { bufferPath: string; archiveDir: string; movieFileName: string; suffix: string; fingerprint: FileFingerprint }) {
      const bufferPath = await confineReal(bufferRoot, input.bufferPath).catch(refuseUnsafe);
      const folder = await ensureFolderInside(config.archive.root, input.archiveDir).catch(refuseUnsafe);
      // Archive copies get the owner and mode of the buffer copy and its folder, as transfermonitor.sh did.
      const [bufferFile, bufferFolder] = await Promise.all([stat(bufferPath), stat(path.dirname(bufferPath))]);
      const chownEnabled = config.ownership.chown;
      await applyOwnership(folder, bufferFolder.mode & 0o7777, bufferFolder, chownEnabled);
      for (let attempt = 0; ; attempt++) {
        const name = attempt === 0 ? input.movieFileName : conflictFileName(input.movieFileName, input.suffix, attempt);
        const archivePath = path.join(folder, name);
        const outcome = await copyVerified(bufferPath, archivePath, {
          expected: input.fingerprint,
          onProgress: heartbeatProgress(),
        });
        if (outcome.kind === 'destination-differs') {
          logger.warn({ archivePath, bufferPath }, 'a different file already has this name in the archive; keeping both');
          continue;
        }
        if (outcome.kind === 'copied') {
          await applyOwnership(archivePath, bufferFile.mode & 0o7777, bufferFile, chownEnabled);
          await appendFile(path.join(folder, TRANSFER_LOG), transferLogLine(new Date(), name, outcome.fingerprint, bufferPath));
        }
        logger.info({ archivePath, outcome: outcome.kind }, 'archived and verified');
        return {
          archivePath,
          outcome: attempt === 0 ? outcome.kind : ('kept-both' as const),
          attempt: currentAttempt(),
        };
      }
    },
  };
}

export type ArchiveActivities = ReturnType<typeof createArchiveActivities>;
