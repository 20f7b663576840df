/**
 * Where a movie goes: Leginon's session frame path rules (filetransfer.getSessionFramePath, ddinfo) and the
 * confinement of every database-derived path to a configured root. Pure: no file system access.
 */
import path from 'node:path';

export class PathOutsideRootError extends Error {
  constructor(
    readonly candidate: string,
    readonly root: string,
  ) {
    super(`path ${JSON.stringify(candidate)} lies outside the configured root ${root}; refusing to follow it`);
    this.name = 'PathOutsideRootError';
  }
}

/** Resolves `candidate` lexically and insists it lies strictly under `root`. Symlinks are checked by the caller. */
export function confineTo(root: string, candidate: string): string {
  const resolvedRoot = path.resolve(root);
  const resolved = path.resolve(resolvedRoot, candidate);
  if (!isInside(resolvedRoot, resolved)) throw new PathOutsideRootError(candidate, root);
  return resolved;
}

export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function splitAtLastLeginon(imagePath: string): { before: string; after: string } | undefined {
  const parts = imagePath.split('/');
  const index = parts.lastIndexOf('leginon');
  if (index < 0) return undefined;
  return { before: parts.slice(0, index).join('/'), after: parts.slice(index + 1).join('/') };
}

const withoutLeadingSlash = (p: string) => p.replace(/^\/+/, '');

/**
 * A session's frame folder when no buffer host applies: `frame path`, or else `image path` with its last
 * `leginon` component replaced by `frames` (a path that is already a frames path is kept as it is).
 */
export function sessionFramePath(session: { framePath: string | null; imagePath: string | null }): string | undefined {
  if (session.framePath) return session.framePath;
  if (!session.imagePath) return undefined;
  const split = splitAtLastLeginon(session.imagePath);
  if (!split) return session.imagePath.split('/').includes('frames') ? session.imagePath : undefined;
  return path.join(split.before || '/', 'frames', split.after);
}

/**
 * A session's folder on a buffer host built from BufferHostData's `buffer base path` (ddinfo): the part of
 * `image path` after its last `leginon`; with `append full head`, the part before it as well (the `leginon`
 * component itself is dropped, as Leginon's code does).
 */
export function bufferFramePathFromBase(basePath: string, imagePath: string, appendFullHead: boolean): string | undefined {
  const split = splitAtLastLeginon(imagePath);
  if (!split) return undefined;
  const head = appendFullHead ? [withoutLeadingSlash(split.before)] : [];
  return path.join(basePath, ...head, withoutLeadingSlash(split.after));
}
