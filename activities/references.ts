/**
 * The reference copier (rawtransfer's ReferenceCopier) and its archive half (transfermonitor's rsync of
 * `references/`). A movie's references never hold the movie up: problems are reported in its status.
 */
import { existsSync } from 'node:fs';
import { appendFile, link, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../src/config.js';
import { copyVerified } from '../src/copy.js';
import { confineReal, ensureFolderInside } from '../src/fsGuards.js';
import { findMovieReferences, type Db, type MovieReferences, type ReferenceRow } from '../src/leginondb.js';
import type { Logger } from '../src/logger.js';
import { readMrc, writeMrc, type Image2D } from '../src/mrc.js';
import { applyOwnership, parseMode, type Owner } from '../src/ownership.js';
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

const ignoreExisting = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EEXIST') throw error;
};

/** Creates a list file with its header line, unless it exists. */
async function ensureListFile(file: string, header: string): Promise<void> {
  await writeFile(file, header, { flag: 'wx' }).catch(ignoreExisting);
}

/** Appends `line` unless a line for `key` is there already (each movie and each unreadable file listed once). */
async function appendOnce(file: string, key: string, line: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (text.split('\n').some((l) => l === key || l.startsWith(`${key}\t`))) return;
  await appendFile(file, line);
}

export interface ReferencesCopied {
  norm?: string;
  dark?: string;
  defectPlan?: string;
  warnings: string[];
}

/** Writes a derived file once: never replaces a file already at `target`. */
async function writeOnce(target: string, image: Image2D): Promise<void> {
  if (existsSync(target)) return;
  const temp = `${target}.${process.pid}.partial`;
  await writeMrc(temp, image);
  await link(temp, target).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await unlink(temp);
}

/**
 * Movies of one session share one references folder; the io worker runs several at once, so the folder's
 * write-once copies and list appends are done one movie at a time.
 */
const folderQueues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(folder: string, work: () => Promise<T>): Promise<T> {
  const previous = folderQueues.get(folder) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(work);
  folderQueues.set(folder, next);
  void next.finally(() => folderQueues.get(folder) === next && folderQueues.delete(folder)).catch(() => undefined);
  return next;
}

/** Writes the image's corrector plan once, and its turned `_mod` copy; returns the name the list records. */
async function writeDefectPlans(folder: string, references: MovieReferences, orientation: FrameOrientation): Promise<string> {
  const stored = references.plan!;
  const plan = parseDefectPlan(stored.columns, stored.rows, stored.pixels);
  await writeFile(path.join(folder, defectPlanFileName(stored.id, false)), defectPlanText(plan), { flag: 'wx' }).catch(ignoreExisting);
  if (!isReoriented(orientation)) return defectPlanFileName(stored.id, false);
  const turned = orientDefectPlan(plan, references.width, references.height, orientation);
  await writeFile(path.join(folder, defectPlanFileName(stored.id, true)), defectPlanText(turned), { flag: 'wx' }).catch(ignoreExisting);
  return defectPlanFileName(stored.id, true);
}

export interface ReferenceDeps {
  config: Config;
  bufferRoot: string;
  db: Db;
  logger: Logger;
}

export function createReferenceActivities({ config, bufferRoot, db, logger }: ReferenceDeps) {
  async function copyOne(
    kind: 'norm' | 'dark',
    reference: ReferenceRow,
    folder: string,
    orientation: FrameOrientation,
    warnings: string[],
  ): Promise<{ name: string; scale: number }> {
    const source = reference.imagePath ? path.join(reference.imagePath, `${reference.filename}.mrc`) : undefined;
    let image: Image2D | undefined;
    try {
      if (!source) throw new Error('its session has no image path');
      image = await readMrc(await confineReal(config.archive.root, source));
    } catch (error) {
      warnings.push(`${kind} reference ${source ?? reference.filename} is unreadable: ${(error as Error).message}`);
      const listed = source ?? reference.filename;
      await appendOnce(path.join(folder, FAILED_REFERENCES), listed, `${listed}\n`);
    }
    const scale = kind === 'dark' ? darkScale(image, reference.nframes) : 1;
    const modified = isReoriented(orientation) || scale !== 1;
    if (image && source) {
      await copyVerified(source, path.join(folder, referenceFileName(reference.filename, false)));
      if (modified) {
        await writeOnce(path.join(folder, referenceFileName(reference.filename, true)), scaled(orientReference(image, orientation), scale));
      }
    }
    return { name: referenceFileName(reference.filename, modified), scale };
  }

  return {
    /**
     * Copies the norm and dark references an acquisition was taken with into `<frame folder>/references/`,
     * once each, with `_mod` copies turned like the frames, and lists the movie in reference_list.txt.
     */
    async copyReferences(input: {
      imageId: number;
      bufferDir: string;
      bufferIsArchive: boolean;
      movieName: string;
      owner: Owner | null;
    }): Promise<ReferencesCopied> {
      const warnings: string[] = [];
      try {
        const references = await findMovieReferences(db, input.imageId);
        if (!references || (!references.norm && !references.dark && !references.plan)) return { warnings };
        const root = input.bufferIsArchive ? config.archive.root : bufferRoot;
        const folder = await ensureFolderInside(root, path.join(input.bufferDir, REFERENCES_FOLDER));
        const orientation = { flip: references.flip, rotate: references.rotate };
        return await oneAtATime(folder, async () => {
          await ensureListFile(path.join(folder, REFERENCE_LIST), REFERENCE_LIST_HEADER);
          await ensureListFile(path.join(folder, FAILED_REFERENCES), FAILED_REFERENCES_HEADER);
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
          await appendOnce(path.join(folder, REFERENCE_LIST), input.movieName, line);
          const { chown: chownEnabled, fileMode, folderMode } = config.ownership;
          await applyOwnership(folder, parseMode(folderMode), input.owner, chownEnabled);
          for (const file of await readdir(folder)) {
            await applyOwnership(path.join(folder, file), parseMode(fileMode), input.owner, chownEnabled);
          }
          return { norm: norm?.name, dark: dark?.name, defectPlan, warnings };
        });
      } catch (error) {
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
export async function syncReferencesToArchive(bufferFolder: string, archiveFolder: string): Promise<string[]> {
  const source = path.join(bufferFolder, REFERENCES_FOLDER);
  if (!existsSync(source)) return [];
  const target = path.join(archiveFolder, REFERENCES_FOLDER);
  await ensureFolderInside(archiveFolder, target);
  const warnings: string[] = [];
  for (const name of (await readdir(source)).filter((n) => !n.startsWith('.'))) {
    const from = path.join(source, name);
    const to = path.join(target, name);
    if (name === REFERENCE_LIST || name === FAILED_REFERENCES) {
      const [newer, older] = await Promise.all([readFile(from, 'utf8'), readFile(to, 'utf8').catch(() => '')]);
      if (newer === older) continue;
      if (!newer.startsWith(older)) {
        warnings.push(`archive ${to} is not an earlier version of ${from}; left as it is`);
        continue;
      }
      await writeFile(`${to}.partial`, newer);
      await rename(`${to}.partial`, to);
      continue;
    }
    const outcome = await copyVerified(from, to);
    if (outcome.kind === 'destination-differs') warnings.push(`archive ${to} differs from ${from}; left as it is`);
  }
  return warnings;
}
