/**
 * Publishing a movie's parts under their Leginon names without ever replacing a different file: each part goes
 * to `<base><suffix>`, or, when other content holds that name, to the first free `<base>.conflict-N<suffix>`.
 */
import path from 'node:path';
import type { Place } from './copy.js';
import type { FileFingerprint, PlacedPart } from './movie.js';
import { partName } from './names.js';
import type { Owner, SafeRoot } from './safeFs.js';

export type PublishStep = (target: string) => Promise<'done' | 'already-present' | 'destination-differs'>;

export interface Published extends PlacedPart {
  outcome: 'done' | 'already-present';
  /** 0 when the part got its own name; N when it was stored as `.conflict-N`. */
  conflict: number;
}

export async function publishPart(
  folder: Place,
  base: string,
  part: { targetSuffix: string; fingerprint: FileFingerprint },
  step: PublishStep,
  /** Mode and owner of a `<base>.frames/` folder this call creates (a DE movie's parts live in one of their own). */
  subfolder: { mode: number; owner: Owner | null } = { mode: 0o755, owner: null },
): Promise<Published> {
  for (let conflict = 0; ; conflict++) {
    const target = path.join(folder.path, partName(base, part.targetSuffix, conflict));
    if (path.dirname(target) !== folder.path) await folder.root.ensureFolder(path.dirname(target), subfolder);
    const outcome = await step(target);
    if (outcome !== 'destination-differs') {
      return { targetSuffix: part.targetSuffix, path: target, fingerprint: part.fingerprint, outcome, conflict };
    }
  }
}

/**
 * Moves a file aside to the first free `<file>.<label>-N` without replacing anything (e.g. an archive copy found
 * damaged, kept as evidence while a good copy takes its name); returns where it went.
 */
export async function setAside(root: SafeRoot, file: string, label: string): Promise<string> {
  for (let n = 1; ; n++) {
    const aside = `${file}.${label}-${n}`;
    try {
      await root.link(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await root.unlink(file);
    await root.syncFolder(path.dirname(file));
    return aside;
  }
}
