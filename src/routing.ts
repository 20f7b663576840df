/**
 * Which Leginon image a camera movie belongs to, and where its buffer and archive copies go.
 * Pure decisions over rows already read from leginondb (see leginondb.ts); unit-tested rule by rule.
 */
import type { BufferHostRow, ImageMatch, SessionRow } from './leginondb.js';
import { bufferFramePathFromBase, sessionFramePath } from './paths.js';

/**
 * rawtransfer's choice among images sharing one `frames name`: a single match is taken as it is; of several,
 * those whose camera record has `align frames` set (Leginon's aligned re-saves) are skipped and the first
 * left is taken.
 */
export function chooseImage(matches: ImageMatch[]): ImageMatch | undefined {
  if (matches.length <= 1) return matches[0];
  return matches.find((m) => !m.alignFrames);
}

export type DestinationPlan =
  | {
      kind: 'planned';
      bufferDir: string;
      archiveDir: string;
      /** True when no buffer host is enabled: the movie goes straight to its archive folder. */
      bufferIsArchive: boolean;
      /** Set when BufferFramePathData has no row yet for this session and host: Leginon would insert this. */
      newBufferFramePath?: string;
    }
  | { kind: 'unroutable'; reason: string };

export function planDestination(
  session: SessionRow,
  bufferHost: BufferHostRow | undefined,
  storedBufferFramePath: string | undefined,
): DestinationPlan {
  const archiveDir = sessionFramePath(session);
  if (!archiveDir) {
    return {
      kind: 'unroutable',
      reason: `session ${session.name} has no frame path and its image path ${JSON.stringify(session.imagePath)} has no "leginon" component`,
    };
  }
  if (!bufferHost) return { kind: 'planned', bufferDir: archiveDir, archiveDir, bufferIsArchive: true };
  if (storedBufferFramePath) {
    return { kind: 'planned', bufferDir: storedBufferFramePath, archiveDir, bufferIsArchive: false };
  }
  const built = session.imagePath
    ? bufferFramePathFromBase(bufferHost.basePath, session.imagePath, bufferHost.appendFullHead)
    : undefined;
  if (!built) {
    return {
      kind: 'unroutable',
      reason: `session ${session.name}: image path ${JSON.stringify(session.imagePath)} has no "leginon" component to build a buffer frame path from`,
    };
  }
  return { kind: 'planned', bufferDir: built, archiveDir, bufferIsArchive: false, newBufferFramePath: built };
}
