/**
 * `bufferctl reconcile`: leginondb's images of a session against what the movies' workflows and the files say.
 * It only reports, each finding with the command that repairs it. Pure: bufferctl gathers the facts.
 */
import type { SessionFrameImage } from './leginondb.js';
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

export interface Finding {
  kind: FindingKind;
  subject: string;
  detail: string;
  repair: string;
}

function repairOf(copy: 'buffer' | 'archive', facts: MovieFacts): string {
  if (!facts.open) return 'compare with backup by hand';
  return copy === 'archive'
    ? `bufferctl expire ${facts.workflowId} (expiry re-verifies the archive copy, sets a damaged one aside and archives again)`
    : `nothing to run: archiving re-hashes the buffer copy and parks ${facts.workflowId} (or copies it again from the camera) if it is damaged; once archived, expiry just removes it`;
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
    const subject = `${image.filename} (${image.imageClass}, frames ${image.framesName} on ${image.cameraHost})`;
    if (!facts?.stage) {
      findings.push({
        kind: 'missing',
        subject,
        detail: 'leginondb has the image but no movie was ever seen for it',
        repair: `look for ${image.framesName}.* on the camera share of ${image.cameraHost} (the watcher takes it when it is there) and in its holding folder`,
      });
      continue;
    }
    for (const copy of [facts.buffer?.path, facts.archive?.path]) if (copy) known.add(copy);
    if (facts.stage === 'parked') findings.push({ kind: 'parked', subject, detail: `${facts.workflowId} is parked`, repair: `bufferctl status ${facts.workflowId}, fix what it says, then bufferctl retry ${facts.workflowId}` });
    if (facts.stage === 'archive-held') findings.push({ kind: 'held', subject, detail: `${facts.workflowId} is held out of the archive`, repair: `bufferctl release ${facts.workflowId} (or the session/host/fleet hold: bufferctl status)` });
    if (ARCHIVED_STAGES.includes(facts.stage) && facts.archive && facts.archive.bytes === undefined) {
      findings.push({
        kind: 'archive-missing',
        subject,
        detail: `the archive copy ${facts.archive.path} is gone`,
        repair: facts.open ? `bufferctl expire ${facts.workflowId} (expiry re-verifies and archives again from the buffer copy)` : 'restore it from backup: the buffer copy has expired',
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
        detail: sizeDiffers ? `${copy.path} has ${copy.bytes} B, the camera file had ${facts.bytes} B` : `${copy.path} hashes to ${copy.hash}, the camera file to ${facts.hash}`,
        repair: repairOf(copy === facts.archive ? 'archive' : 'buffer', facts),
      });
    }
  }
  const imageNames = new Set(images.map((i) => i.filename));
  for (const file of folderFiles) {
    const base = file.split('/').at(-1)!;
    if (/\.damaged-\d+$/.test(base)) {
      findings.push({ kind: 'damaged', subject: file, detail: 'an archive copy found damaged and set aside; a good copy was archived under its name', repair: 'keep it for the storage vendor, or remove it by hand' });
      continue;
    }
    if (/\.conflict-\d+\./.test(base)) {
      findings.push({ kind: 'duplicate', subject: file, detail: 'a different file already had this movie\'s name; both were kept', repair: 'compare the two files and keep the right one by hand' });
      continue;
    }
    const stem = base.replace(/\.frames(\.[^/]*)?$/, '');
    if (base.includes('.frames') && !imageNames.has(stem) && !known.has(file)) {
      findings.push({ kind: 'orphan', subject: file, detail: 'no image of this session has this name', repair: 'find the movie it belongs to (bufferctl list) or remove it by hand' });
    }
  }
  return findings;
}
