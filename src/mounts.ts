/**
 * Whether a share or mount is really there. An unmounted mount point is an empty folder, which reads as "no
 * movies" or "every file gone": where a marker file is configured, only its presence counts as mounted.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';

export async function isMounted(root: string, markerFile: string | undefined): Promise<boolean> {
  if (!markerFile) return true;
  return access(path.join(root, markerFile)).then(
    () => true,
    () => false,
  );
}
