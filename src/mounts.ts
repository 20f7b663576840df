/**
 * Whether a share or mount is really there. An unmounted mount point is an empty folder on the local disk,
 * which reads as "no movies", "every file gone" or, for the archive, as writable storage: movies "archived"
 * onto the root disk, buffer copies expired, the copies hidden when GPFS is mounted again. So a root counts as
 * mounted only with proof: its marker file, or, where none is configured, being a mount point of its own.
 */
import { access, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** How a root proves it is mounted, from its config: a marker file, or (unsafe, documented) nothing at all. */
export interface MountProof {
  root: string;
  markerFile?: string;
  /** Trust the root without proof: for a root that is a plain local folder on purpose. */
  assumeMounted?: boolean;
}

/** Whether `root` is a mount point: its device differs from its parent's, or the kernel's mount table lists it. */
export async function isMountPoint(root: string): Promise<boolean> {
  const real = await realpath(root).catch(() => undefined);
  if (!real) return false;
  const [own, parent] = await Promise.all([stat(real), stat(path.dirname(real))]);
  if (own.dev !== parent.dev) return true;
  // A bind mount of a folder on the same device is a mount point with the same device number.
  const table = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return table.split('\n').some((line) => unescapeMountPath(line.split(' ')[4] ?? '') === real);
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

export async function isMounted(proof: MountProof): Promise<boolean> {
  if (proof.markerFile) {
    return access(path.join(proof.root, proof.markerFile)).then(
      () => true,
      () => false,
    );
  }
  return proof.assumeMounted === true || isMountPoint(proof.root);
}

/** Why a root that `isMounted` refused counts as unmounted, in an operator's words. */
export function unmountedBecause(proof: MountProof): string {
  return proof.markerFile ? `${proof.markerFile} is missing under ${proof.root}` : `${proof.root} is not a mount point`;
}

/**
 * For a worker's start: a root with no marker configured must be a mount point now, or the worker would take
 * an unmounted one for the real thing later. Returns the problem, naming the config key, or undefined.
 */
export async function missingMountProof(proof: MountProof, key: string): Promise<string | undefined> {
  if (proof.markerFile || proof.assumeMounted) return undefined;
  if (await isMountPoint(proof.root)) return undefined;
  return (
    `${key}.markerFile is not set and ${proof.root} is not a mount point, so an unmounted share or storage could not ` +
    `be told from an empty folder. Create a marker file on the mounted file system and set ${key}.markerFile to its ` +
    `name (or, for a root that is a plain local folder on purpose, set ${key}.assumeMounted: true)`
  );
}
