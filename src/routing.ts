/**
 * Which Leginon image a camera movie belongs to, and where its buffer and archive copies go.
 * Pure decisions over rows already read from leginondb (see leginondb.ts); unit-tested rule by rule.
 */
import { IMAGE_CLASSES } from './imageClasses.js';
import type { BufferHostRow, ImageMatch, SessionRow } from './leginondb.js';
import path from 'node:path';
import { bufferFramePathFromBase, isInside, sessionFramePath } from './paths.js';

export type ImageChoice =
  | { kind: 'chosen'; image: ImageMatch; plan: DestinationPlan }
  | { kind: 'none'; reason: 'no-image' | 'all-aligned-resaves'; count: number }
  /** Images exist, but only in sessions outside this server's destination head: another server's movie. */
  | { kind: 'not-ours'; detail: string };

/** Compared after resolving `.` and `..`: `/gpfs/ours/../theirs` is not under `/gpfs/ours`. */
const underHead = (head: string, folder: string) => {
  if (!path.isAbsolute(folder)) return false;
  const resolved = path.resolve(folder);
  return resolved === path.resolve(head) || isInside(path.resolve(head), resolved);
};

/** The rows a destination depends on besides the image: the camera's newest BufferHostData row, stored paths. */
export interface RoutingRows {
  bufferHosts: ReadonlyMap<number, BufferHostRow | undefined>;
  /** BufferFramePathData by `${sessionId}:${bufferHostId}`. */
  storedBufferFramePaths: ReadonlyMap<string, string>;
}

export const storedPathKey = (sessionId: number, bufferHostId: number) => `${sessionId}:${bufferHostId}`;

/** The camera's newest BufferHostData row when it is enabled: the buffer host the movie goes to, if any. */
export function activeBufferHost(image: ImageMatch, rows: RoutingRows): BufferHostRow | undefined {
  const newest = rows.bufferHosts.get(image.cameraInstrumentId);
  return newest && !newest.disabled ? newest : undefined;
}

export function destinationOf(image: ImageMatch, rows: RoutingRows): DestinationPlan {
  const host = activeBufferHost(image, rows);
  return planDestination(image.session, host, host && rows.storedBufferFramePaths.get(storedPathKey(image.session.id, host.id)));
}

/**
 * rawtransfer's choice, class by class in its order (acquisition, dark, bright, norm; matches newest first). One
 * match in a class is taken as it is; of several, aligned re-saves (`align frames`) are skipped and exposures that
 * saved frames are preferred, and the newest left is taken. With a destination head, an image whose movie would
 * go elsewhere (its buffer path when a buffer host is active, else its frame path) is another server's: if only
 * such images are left, the movie is left alone.
 */
export function chooseImage(matches: ImageMatch[], rows: RoutingRows, destinationHead?: string): ImageChoice {
  if (matches.length === 0) return { kind: 'none', reason: 'no-image', count: 0 };
  const elsewhere: string[] = [];
  for (const imageClass of IMAGE_CLASSES) {
    const inClass = matches.filter((m) => m.imageClass === imageClass);
    if (inClass.length === 0) continue;
    const unaligned = inClass.length === 1 ? inClass : inClass.filter((m) => !m.alignFrames);
    const saved = unaligned.filter((m) => m.saveFrames);
    for (const image of saved.length > 0 ? saved : unaligned) {
      const plan = destinationOf(image, rows);
      if (destinationHead && plan.kind === 'planned' && !underHead(destinationHead, plan.bufferDir)) {
        elsewhere.push(`${image.session.name} (${plan.bufferDir})`);
        continue;
      }
      return { kind: 'chosen', image, plan };
    }
    if (elsewhere.length > 0) {
      return { kind: 'not-ours', detail: `the movie of session ${[...new Set(elsewhere)].join(', ')} goes outside the destination head ${destinationHead}` };
    }
  }
  return { kind: 'none', reason: 'all-aligned-resaves', count: matches.length };
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
  const archive = sessionFramePath(session);
  if (!archive) {
    return {
      kind: 'unroutable',
      reason: `session ${session.name} has no frame path and its image path ${JSON.stringify(session.imagePath)} has no "leginon" in it`,
    };
  }
  if ('refused' in archive) return { kind: 'unroutable', reason: `session ${session.name}: the frame path built from its image path, ${archive.refused}` };
  const archiveDir = archive.folder;
  if (!bufferHost) return { kind: 'planned', bufferDir: archiveDir, archiveDir, bufferIsArchive: true };
  if (storedBufferFramePath) {
    return { kind: 'planned', bufferDir: storedBufferFramePath, archiveDir, bufferIsArchive: false };
  }
  const buffer = session.imagePath ? bufferFramePathFromBase(bufferHost.basePath, session.imagePath, bufferHost.appendFullHead) : undefined;
  if (!buffer) {
    return {
      kind: 'unroutable',
      reason: `session ${session.name}: image path ${JSON.stringify(session.imagePath)} has no "leginon" in it to build a buffer frame path from`,
    };
  }
  if ('refused' in buffer) return { kind: 'unroutable', reason: `session ${session.name}: the buffer frame path built from its image path, ${buffer.refused}` };
  return { kind: 'planned', bufferDir: buffer.folder, archiveDir, bufferIsArchive: false, newBufferFramePath: buffer.folder };
}
