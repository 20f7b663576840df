/**
 * File-system checks that back up the lexical rules in paths.ts: a folder named by the database may exist
 * already as a symlink that leads out of the configured root. These are early refusals with a clear reason;
 * the changes themselves go through src/safeFs.ts, which checks again at the moment of use.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { confineTo, isInside, PathOutsideRootError } from './paths.js';
import type { SafeRoot } from './safeFs.js';

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

/**
 * Removes the folders that held `files` once they are empty (a DE movie's folder on the camera, in staging, on
 * the buffer), never `stopAt` itself or anything above it. A folder that is not empty is left alone, and so is
 * one the share refuses to remove (EPERM, EBUSY): its files are gone, which is what counts.
 */
export async function removeEmptyFolders(root: SafeRoot, files: string[], stopAt: string): Promise<string[]> {
  const folders = [...new Set(files.map((f) => path.dirname(f)))].filter((f) => isInside(stopAt, f));
  const left: string[] = [];
  for (const folder of folders) {
    await root.rmdir(folder).catch((error: NodeJS.ErrnoException) => {
      if (['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(error.code ?? '')) return;
      if (['EPERM', 'EACCES', 'EBUSY', 'EROFS'].includes(error.code ?? '')) {
        left.push(`empty folder ${folder} could not be removed (${error.code}); left in place`);
        return;
      }
      throw error;
    });
  }
  return left;
}
