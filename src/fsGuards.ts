/**
 * File-system checks that back up the lexical rules in paths.ts: a folder named by the database may exist
 * already as a symlink that leads out of the configured root.
 */
import { mkdir, realpath, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { confineTo, isInside, PathOutsideRootError } from './paths.js';

async function nearestExistingRealPath(candidate: string): Promise<string> {
  let current = candidate;
  for (;;) {
    try {
      return path.join(await realpath(current), path.relative(current, candidate));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) return candidate;
      current = parent;
    }
  }
}

/** Confines `candidate` to `root` lexically and through any symlinks on the way; returns the resolved path. */
export async function confineReal(root: string, candidate: string): Promise<string> {
  const resolved = confineTo(root, candidate);
  const [realRoot, realCandidate] = await Promise.all([realpath(root), nearestExistingRealPath(resolved)]);
  if (!isInside(realRoot, realCandidate)) throw new PathOutsideRootError(candidate, root);
  return resolved;
}

/** Creates a folder under `root` (and its parents), refusing anything that resolves outside `root`. */
export async function ensureFolderInside(root: string, folder: string): Promise<string> {
  const resolved = await confineReal(root, folder);
  await mkdir(resolved, { recursive: true, mode: 0o775 });
  return confineReal(root, resolved);
}

/**
 * Removes the folders that held `files` once they are empty (a DE movie's folder on the camera, in staging, on
 * the buffer), never `stopAt` itself or anything above it. A folder that is not empty is left alone.
 */
export async function removeEmptyFolders(files: string[], stopAt: string): Promise<void> {
  const folders = [...new Set(files.map((f) => path.dirname(f)))].filter((f) => isInside(stopAt, f));
  for (const folder of folders) {
    await rmdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (!['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(error.code ?? '')) throw error;
    });
  }
}
