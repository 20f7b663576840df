/**
 * Which Leginon image a camera movie belongs to, and where its buffer and archive copies go.
 * Pure decisions over rows already read from leginondb (see leginondb.ts); unit-tested rule by rule.
 */
import type { BufferHostRow, ImageMatch, SessionRow } from './leginondb.js';
import path from 'node:path';
import { bufferFramePathFromBase, isInside, sessionFramePath } from './paths.js';

export type ImageChoice =
  | { kind: 'chosen'; image: ImageMatch }
  | { kind: 'none'; reason: 'no-image' | 'all-aligned-resaves'; count: number }
  /** Images exist, but only in sessions outside this server's destination head: another server's movie. */
  | { kind: 'not-ours'; detail: string };

/** Compared after resolving `.` and `..`: `/gpfs/ours/../theirs` is not under `/gpfs/ours`. */
const underHead = (head: string, image: ImageMatch) => {
  const framePath = sessionFramePath(image.session);
  if (framePath === undefined || !path.isAbsolute(framePath)) return false;
  const resolved = path.resolve(framePath);
  return resolved === path.resolve(head) || isInside(path.resolve(head), resolved);
};

/**
 * rawtransfer's choice among images sharing one `frames name`: of several, those whose camera record has
 * `align frames` set (Leginon's aligned re-saves) are skipped; with a destination head, sessions whose frame
 * path lies outside it are skipped; the first left is taken. A single match is taken as it is, unless it is
 * outside the destination head.
 */
export function chooseImage(matches: ImageMatch[], destinationHead?: string): ImageChoice {
  if (matches.length === 0) return { kind: 'none', reason: 'no-image', count: 0 };
  const candidates = matches.length === 1 ? matches : matches.filter((m) => !m.alignFrames);
  if (candidates.length === 0) {
    return { kind: 'none', reason: 'all-aligned-resaves', count: matches.length };
  }
  const ours = destinationHead ? candidates.filter((m) => underHead(destinationHead, m)) : candidates;
  if (ours.length === 0) {
    const sessions = [...new Set(candidates.map((m) => m.session.name))].join(', ');
    return { kind: 'not-ours', detail: `the frame path of session ${sessions} lies outside the destination head ${destinationHead}` };
  }
  return { kind: 'chosen', image: ours[0]! };
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
