/**
 * `bufferctl reconcile`: leginondb's images of a session against what the movies' workflows and the files say.
 * It only reports, each finding with the command that repairs it. Pure: bufferctl gathers the facts.
 */
import type { SessionFrameImage } from './leginondb.js';

export interface MovieFacts {
  workflowId: string;
  /** Undefined: no workflow was ever started for the image's frames name. */
  stage?: string;
  open?: boolean;
  bytes?: number;
  buffer?: { path: string; bytes?: number };
  archive?: { path: string; bytes?: number; compressed?: boolean };
}

export type FindingKind = 'missing' | 'parked' | 'held' | 'archive-missing' | 'size-mismatch' | 'orphan' | 'duplicate';

export interface Finding {
  kind: FindingKind;
  subject: string;
  detail: string;
  repair: string;
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
    const archivedStages = ['archived', 'expiring', 'expired'];
    if (archivedStages.includes(facts.stage) && facts.archive && facts.archive.bytes === undefined) {
      findings.push({
        kind: 'archive-missing',
        subject,
        detail: `the archive copy ${facts.archive.path} is gone`,
        repair: facts.open ? `bufferctl expire ${facts.workflowId} (expiry re-verifies and archives again from the buffer copy)` : 'restore it from backup: the buffer copy has expired',
      });
    }
    for (const copy of [facts.buffer, facts.archive]) {
      if (!copy || copy.bytes === undefined || facts.bytes === undefined) continue;
      if (copy === facts.archive && facts.archive?.compressed) continue;
      if (copy.bytes !== facts.bytes) {
        findings.push({
          kind: 'size-mismatch',
          subject,
          detail: `${copy.path} has ${copy.bytes} B, the camera file had ${facts.bytes} B`,
          repair: facts.open ? `bufferctl expire ${facts.workflowId} (re-verifies the archive copy against the hash and archives again)` : 'compare with backup by hand',
        });
      }
    }
  }
  const imageNames = new Set(images.map((i) => i.filename));
  for (const file of folderFiles) {
    const base = file.split('/').at(-1)!;
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
