/**
 * `bufferctl reconcile`: leginondb's images of a session against what the movies' workflows and the files say.
 * It only reports, each finding with the command that repairs it. Pure: bufferctl gathers the facts.
 */
import type { SessionFrameImage } from './leginondb.js';
import { escapeName, shellQuote } from './names.js';
import { ARCHIVED_STAGES } from './operatorNames.js';

export interface MovieFacts {
  workflowId: string;
  /** Undefined: no workflow was ever started for the image's frames name. */
  stage?: string;
  open?: boolean;
  bytes?: number;
  /** The content hash taken off the camera. */
  hash?: string;
  /** `hash`: of the copy's content, when `reconcile --hashes` read it. */
  buffer?: { path: string; bytes?: number; hash?: string };
  archive?: { path: string; bytes?: number; hash?: string; compressed?: boolean };
}

export type FindingKind = 'missing' | 'parked' | 'held' | 'archive-missing' | 'size-mismatch' | 'hash-mismatch' | 'orphan' | 'duplicate' | 'damaged';

/** Names in findings are escaped (src/names.ts), so a newline or ESC in a name cannot rewrite the report. */
export interface Finding {
  kind: FindingKind;
  subject: string;
  detail: string;
  /** What repairs it, in words. */
  repair: string;
  /** The command lines that do it, each word shell-quoted: safe to paste whatever the names hold. */
  commands: string[];
}

const bufferctl = (...words: string[]) => ['bufferctl', ...words].map(shellQuote).join(' ');

function repairOf(copy: 'buffer' | 'archive', facts: MovieFacts): Pick<Finding, 'repair' | 'commands'> {
  if (!facts.open) return { repair: 'compare with backup by hand', commands: [] };
  return copy === 'archive'
    ? { repair: 'expire it now: expiry re-verifies the archive copy, sets a damaged one aside and archives again', commands: [bufferctl('expire', facts.workflowId)] }
    : { repair: 'nothing to run: archiving re-hashes the buffer copy and parks the movie (or copies it again from the camera) if it is damaged; once archived, expiry just removes it', commands: [] };
}

export function reconcileSession(
  images: SessionFrameImage[],
  movies: Map<string, MovieFacts>,
  folderFiles: string[],
  workflowIdOf: (image: SessionFrameImage) => string,
): Finding[] {
  const findings: Finding[] = [];
  const known = new Set<string>();
  for (const image of images) {
    const facts = movies.get(workflowIdOf(image));
    const subject = `${escapeName(image.filename)} (${image.imageClass}, frames ${escapeName(image.framesName)} on ${image.cameraHost})`;
    if (!facts?.stage) {
      findings.push({
        kind: 'missing',
        subject,
        detail: 'leginondb has the image but no movie was ever seen for it',
        repair: `look for ${escapeName(image.framesName)}.* on the camera share of ${image.cameraHost} (the watcher takes it when it is there) and in its holding folder`,
        commands: [],
      });
      continue;
    }
    const movie = escapeName(facts.workflowId);
    for (const copy of [facts.buffer?.path, facts.archive?.path]) if (copy) known.add(copy);
    if (facts.stage === 'parked') {
      findings.push({ kind: 'parked', subject, detail: `${movie} is parked`, repair: 'fix what its status says, then retry it', commands: [bufferctl('status', facts.workflowId), bufferctl('retry', facts.workflowId)] });
    }
    if (facts.stage === 'archive-held') {
      findings.push({ kind: 'held', subject, detail: `${movie} is held out of the archive`, repair: 'release it (or the session/host/fleet hold that covers it: bufferctl status)', commands: [bufferctl('release', facts.workflowId)] });
    }
    if (ARCHIVED_STAGES.includes(facts.stage) && facts.archive && facts.archive.bytes === undefined) {
      findings.push({
        kind: 'archive-missing',
        subject,
        detail: `the archive copy ${escapeName(facts.archive.path)} is gone`,
        ...(facts.open
          ? { repair: 'expire it now: expiry re-verifies and archives again from the buffer copy', commands: [bufferctl('expire', facts.workflowId)] }
          : { repair: 'restore it from backup: the buffer copy has expired', commands: [] }),
      });
    }
    for (const copy of [facts.buffer, facts.archive]) {
      if (!copy || copy.bytes === undefined || facts.bytes === undefined) continue;
      const sizeDiffers = copy.bytes !== facts.bytes && !(copy === facts.archive && facts.archive?.compressed);
      const hashDiffers = !sizeDiffers && copy.hash !== undefined && facts.hash !== undefined && copy.hash !== facts.hash;
      if (!sizeDiffers && !hashDiffers) continue;
      findings.push({
        kind: sizeDiffers ? 'size-mismatch' : 'hash-mismatch',
        subject,
        detail: sizeDiffers ? `${escapeName(copy.path)} has ${copy.bytes} B, the camera file had ${facts.bytes} B` : `${escapeName(copy.path)} hashes to ${copy.hash}, the camera file to ${facts.hash}`,
        ...repairOf(copy === facts.archive ? 'archive' : 'buffer', facts),
      });
    }
  }
  const imageNames = new Set(images.map((i) => i.filename));
  for (const file of folderFiles) {
    const base = file.split('/').at(-1)!;
    const subject = escapeName(file);
    if (/\.damaged-\d+$/.test(base)) {
      findings.push({ kind: 'damaged', subject, detail: 'an archive copy found damaged and set aside; a good copy was archived under its name', repair: 'keep it for the storage vendor, or remove it by hand', commands: [] });
      continue;
    }
    if (/\.conflict-\d+\./.test(base)) {
      findings.push({ kind: 'duplicate', subject, detail: 'a different file already had this movie\'s name; both were kept', repair: 'compare the two files and keep the right one by hand', commands: [] });
      continue;
    }
    const stem = base.replace(/\.frames(\.[^/]*)?$/, '');
    if (base.includes('.frames') && !imageNames.has(stem) && !known.has(file)) {
      findings.push({ kind: 'orphan', subject, detail: 'no image of this session has this name', repair: 'find the movie it belongs to (bufferctl list) or remove it by hand', commands: [] });
    }
  }
  return findings;
}
