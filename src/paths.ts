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

/**
 * Leginon (ddinfo.py) and Appion split an image path on the SUBSTRING `leginon`, not on a path component:
 * `/data/leginon_data/x` splits too, and Appion recomputes the same folder, so the server must as well to put
 * frames where Appion looks. Only the last occurrence counts.
 */
function splitAtLastLeginon(imagePath: string): { before: string; after: string } | undefined {
  const at = imagePath.lastIndexOf('leginon');
  return at < 0 ? undefined : { before: imagePath.slice(0, at), after: imagePath.slice(at + 'leginon'.length) };
}

export type BuiltFolder = { folder: string } | { refused: string };

/**
 * A folder built from database text must be an absolute path of plain components: no `..`, no `.`, no empty
 * component (`//`); trailing slashes are dropped.
 */
function built(folder: string): BuiltFolder {
  const trimmed = folder.replace(/\/+$/, '');
  if (!path.isAbsolute(trimmed)) return { refused: `${JSON.stringify(folder)} is not an absolute path` };
  const odd = trimmed.split('/').slice(1).find((part) => part === '' || part === '.' || part === '..');
  if (odd !== undefined) return { refused: `${JSON.stringify(folder)} has ${odd === '' ? 'an empty' : `a "${odd}"`} component` };
  return { folder: trimmed };
}

/**
 * A session's frame folder when no buffer host applies: `frame path`, or else `image path` with its last
 * `leginon` replaced by `frames` (ddinfo.getRawFrameSessionPathFromSessionPath); an image path without `leginon`
 * that already is a frames path is kept as it is. Undefined when neither applies.
 */
export function sessionFramePath(session: { framePath: string | null; imagePath: string | null }): BuiltFolder | undefined {
  if (session.framePath) return { folder: session.framePath };
  if (!session.imagePath) return undefined;
  const split = splitAtLastLeginon(session.imagePath);
  if (!split) return session.imagePath.includes('frames') ? built(session.imagePath) : undefined;
  return built(`${split.before}frames${split.after}`);
}

/**
 * A session's folder on a buffer host built from BufferHostData's `buffer base path` as ddinfo builds it: the
 * part of `image path` after its last `leginon`, less its first character; with `append full head`, the part
 * before it (less its first character) in front. `/common_data/leginon/22oct25a/rawdata` with append full head
 * gives `<base>/common_data/22oct25a/rawdata`.
 */
export function bufferFramePathFromBase(basePath: string, imagePath: string, appendFullHead: boolean): BuiltFolder | undefined {
  const split = splitAtLastLeginon(imagePath);
  if (!split) return undefined;
  const sessionPart = `${appendFullHead ? split.before.slice(1) : ''}${split.after.slice(1)}`;
  // Python's os.path.join drops the base when the part is absolute: refused below instead of followed.
  if (sessionPart.startsWith('/')) return { refused: `the part of image path ${JSON.stringify(imagePath)} after "leginon" is an absolute path` };
  return built(sessionPart === '' ? basePath : `${basePath.replace(/\/+$/, '')}/${sessionPart}`);
}
