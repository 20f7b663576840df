/**
 * The reference copier (rawtransfer's ReferenceCopier) and its archive half (transfermonitor's rsync of
 * `references/`). A movie's references never hold the movie up: problems are reported in its status.
 */
import path from 'node:path';
import type { Config } from '../src/config.js';
import { copyVerified, type Place } from '../src/copy.js';
import { findMovieReferences, type Db, type ImageClass, type MovieReferences, type ReferenceRow } from '../src/leginondb.js';
import type { Logger } from '../src/logger.js';
import { decodeMrc, encodeMrc, type Image2D } from '../src/mrc.js';
import { leginonMovieFileName } from '../src/names.js';
import { parseMode, type Owner } from '../src/ownership.js';
import { confineTo } from '../src/paths.js';
import { SafeRoot, setOwnership } from '../src/safeFs.js';
import {
  darkScale,
  defectPlanFileName,
  defectPlanText,
  FAILED_REFERENCES,
  FAILED_REFERENCES_HEADER,
  isReoriented,
  orientDefectPlan,
  orientReference,
  parseDefectPlan,
  REFERENCE_LIST,
  REFERENCE_LIST_HEADER,
  referenceFileName,
  referenceListLine,
  REFERENCES_FOLDER,
  scaled,
  type FrameOrientation,
} from '../src/references.js';
import { isUnsafe } from './progress.js';
import { oneAtATime } from '../src/oneAtATime.js';

const ignoreExisting = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EEXIST') throw error;
};

/** A references folder and how its new files are made: in the session's folder, the session's owner's. */
interface ReferencesFolder {
  root: SafeRoot;
  path: string;
  fileMode: number;
  owner: Owner | null;
}

const inFolder = (folder: ReferencesFolder, name: string) => path.join(folder.path, name);

/** Creates a file with `content` unless one has its name already (write-once), with the folder's mode and owner. */
async function createOnce(folder: ReferencesFolder, name: string, content: string | Buffer): Promise<void> {
  const handle = await folder.root.createFile(inFolder(folder, name)).catch((error: NodeJS.ErrnoException) => ignoreExisting(error));
  if (!handle) return;
  try {
    await handle.writeFile(content);
    await setOwnership(handle, folder.fileMode, folder.owner);
  } finally {
    await handle.close();
  }
}

/** Appends `line` unless a line for `key` is there already (each movie and each unreadable file listed once). */
async function appendOnce(folder: ReferencesFolder, name: string, key: string, line: string): Promise<void> {
  const text = await folder.root.readText(inFolder(folder, name));
  if (text.split('\n').some((l) => l === key || l.startsWith(`${key}\t`))) return;
  await folder.root.append(inFolder(folder, name), line, { owner: folder.owner });
}

export interface ReferencesCopied {
  norm?: string;
  dark?: string;
  defectPlan?: string;
  warnings: string[];
}

/** Writes a derived image once: never replaces a file already at its name, never leaves half a file there. */
async function writeImageOnce(folder: ReferencesFolder, name: string, image: Image2D): Promise<void> {
  if (await folder.root.entry(inFolder(folder, name))) return;
  const temp = inFolder(folder, `.${name}.${process.pid}.partial`);
  const handle = await folder.root.createFile(temp, { replaceStale: true });
  try {
    await handle.write(encodeMrc(image));
    await handle.sync();
    await setOwnership(handle, folder.fileMode, folder.owner);
  } finally {
    await handle.close();
  }
  await folder.root.link(temp, inFolder(folder, name)).catch(ignoreExisting);
  await folder.root.unlink(temp);
}


/** Writes the image's corrector plan once, and its turned `_mod` copy; returns the name the list records. */
async function writeDefectPlans(folder: ReferencesFolder, references: MovieReferences, orientation: FrameOrientation): Promise<string> {
  const stored = references.plan!;
  const plan = parseDefectPlan(stored.columns, stored.rows, stored.pixels);
  await createOnce(folder, defectPlanFileName(stored.id, false), defectPlanText(plan));
  if (!isReoriented(orientation)) return defectPlanFileName(stored.id, false);
  const turned = orientDefectPlan(plan, references.width, references.height, orientation);
  await createOnce(folder, defectPlanFileName(stored.id, true), defectPlanText(turned));
  return defectPlanFileName(stored.id, true);
}

export interface ReferenceDeps {
  config: Config;
  bufferRoot: string;
  db: Db;
  logger: Logger;
}

export function createReferenceActivities({ config, bufferRoot, db, logger }: ReferenceDeps) {
  const buffer = new SafeRoot(bufferRoot);
  const archive = new SafeRoot(config.archive.root);

  async function copyOne(
    kind: 'norm' | 'dark',
    reference: ReferenceRow,
    folder: ReferencesFolder,
    orientation: FrameOrientation,
    warnings: string[],
  ): Promise<{ name: string; scale: number }> {
    // The filename comes from the database: a name that could leave the folder is refused (the movie parks).
    const fileName = leginonMovieFileName(reference.filename, '.mrc');
    let source: string | undefined;
    let image: Image2D | undefined;
    try {
      if (!reference.imagePath) throw new Error('its session has no image path');
      source = confineTo(config.archive.root, path.join(reference.imagePath, fileName));
      // Outside the archive, or behind a link in the session's image folder: listed as unreadable, never read through.
      image = decodeMrc(await archive.readBytes(source));
    } catch (error) {
      warnings.push(`${kind} reference ${source ?? reference.filename} is unreadable: ${(error as Error).message}`);
      const listed = source ?? reference.filename;
      await appendOnce(folder, FAILED_REFERENCES, listed, `${listed}\n`);
    }
    const scale = kind === 'dark' ? darkScale(image, reference.nframes) : 1;
    const modified = isReoriented(orientation) || scale !== 1;
    if (image && source) {
      const target = { root: folder.root, path: inFolder(folder, referenceFileName(reference.filename, false)) };
      await copyVerified({ root: archive, path: source }, target, { ownership: { mode: folder.fileMode, owner: folder.owner } });
      if (modified) {
        await writeImageOnce(folder, referenceFileName(reference.filename, true), scaled(orientReference(image, orientation), scale));
      }
    }
    return { name: referenceFileName(reference.filename, modified), scale };
  }

  return {
    /**
     * Copies the norm and dark references an image was taken with into `<frame folder>/references/`, once
     * each, with `_mod` copies turned like the frames, and lists the movie in reference_list.txt: every movie of
     * every image class gets its line (with empty reference fields when it has none), as Leginon's copier writes.
     * A link planted in the folder fails the step (the movie parks naming it); anything else only warns.
     */
    async copyReferences(input: {
      /** Absent in movies started before every class was listed: those were acquisitions. */
      imageClass?: ImageClass;
      imageId: number;
      bufferDir: string;
      bufferIsArchive: boolean;
      movieName: string;
      owner: Owner | null;
    }): Promise<ReferencesCopied> {
      const warnings: string[] = [];
      try {
        const references = await findMovieReferences(db, input.imageClass ?? 'AcquisitionImageData', input.imageId);
        if (!references) return { warnings };
        const root = input.bufferIsArchive ? archive : buffer;
        const { chown: chownEnabled, fileMode, folderMode } = config.ownership;
        const owner = chownEnabled ? input.owner : null;
        const folderPath = confineTo(root.root, path.join(input.bufferDir, REFERENCES_FOLDER));
        await root.ensureFolder(folderPath, { mode: parseMode(folderMode), owner });
        const folder: ReferencesFolder = { root, path: folderPath, fileMode: parseMode(fileMode), owner };
        const orientation = { flip: references.flip, rotate: references.rotate };
        // Movies of one session share one references folder: its write-once copies and list appends go one movie at a time.
        return await oneAtATime(folderPath, async () => {
          await createOnce(folder, REFERENCE_LIST, REFERENCE_LIST_HEADER);
          await createOnce(folder, FAILED_REFERENCES, FAILED_REFERENCES_HEADER);
          const norm = references.norm && (await copyOne('norm', references.norm, folder, orientation, warnings));
          const dark = references.dark && (await copyOne('dark', references.dark, folder, orientation, warnings));
          const defectPlan = references.plan && (await writeDefectPlans(folder, references, orientation));
          const line = referenceListLine({
            movieName: input.movieName,
            orientation,
            darkScale: dark ? dark.scale : 1,
            norm: norm?.name,
            dark: dark?.name,
            defectPlan,
          });
          await appendOnce(folder, REFERENCE_LIST, input.movieName, line);
          return { norm: norm?.name, dark: dark?.name, defectPlan, warnings };
        });
      } catch (error) {
        if (isUnsafe(error)) throw error;
        logger.warn({ err: error, imageId: input.imageId }, 'references not copied');
        return { warnings: [...warnings, `references not copied: ${(error as Error).message}`] };
      }
    },
  };
}

/**
 * Brings the archive's `references/` up to date with the buffer's, as transfermonitor.sh did after each movie.
 * References are write-once (an identical file is skipped; a different one is never replaced and is reported);
 * the two lists only grow, so an archived list is replaced only by a buffer list that begins with it.
 */
export async function syncReferencesToArchive(bufferFolder: Place, archiveFolder: Place): Promise<string[]> {
  const source = path.join(bufferFolder.path, REFERENCES_FOLDER);
  if (!(await bufferFolder.root.folderExists(source))) return [];
  const target = path.join(archiveFolder.path, REFERENCES_FOLDER);
  // A session's movies are archived several at a time: their syncs of the one folder take turns.
  return oneAtATime(`archive:${target}`, () => syncFolder(bufferFolder.root, source, archiveFolder.root, target));
}

async function syncFolder(buffer: SafeRoot, source: string, archive: SafeRoot, target: string): Promise<string[]> {
  await archive.ensureFolder(target);
  const warnings: string[] = [];
  for (const entry of (await buffer.listWithStats(source)).filter((e) => !e.name.startsWith('.'))) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (!entry.stats.isFile()) {
      warnings.push(`buffer ${from} is not a regular file (a link?); not archived`);
      continue;
    }
    if (entry.name === REFERENCE_LIST || entry.name === FAILED_REFERENCES) {
      const [newer, older] = await Promise.all([
        buffer.readText(from),
        archive.readText(to).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
          return '';
        }),
      ]);
      if (newer === older) continue;
      if (!newer.startsWith(older)) {
        warnings.push(`archive ${to} is not an earlier version of ${from}; left as it is`);
        continue;
      }
      await archive.replaceFile(to, newer);
      continue;
    }
    const outcome = await copyVerified({ root: buffer, path: from }, { root: archive, path: to });
    if (outcome.kind === 'destination-differs') warnings.push(`archive ${to} differs from ${from}; left as it is`);
  }
  return warnings;
}
