/** Human-readable text for a movie's status, as `bufferctl status` prints it. Pure. */
import type { FileProgress } from './fileProgress.js';
import { describeScope } from './holds.js';
import type { MovieStatus } from './movie.js';
import { escapeName } from './names.js';
import type { PreprocessStatus } from './preprocess/job.js';
import { formatBytes } from './units.js';

export interface PendingActivity {
  activityType: string;
  attempt: number;
  /** Scheduled, not started: behind other movies for a worker slot (e.g. an archive backlog). */
  queued?: boolean;
  lastFailure?: string;
  /** Last heartbeat's progress, when the activity reports one. */
  bytesDone?: number;
  /** What a started activity waits for, when it reports it (an archive copy waiting out an outage). */
  waiting?: string;
  /** The full-file loop it was in at its last heartbeat. */
  file?: FileProgress;
}

export function formatMovieStatus(workflowId: string, status: MovieStatus, pending: PendingActivity[] = []): string {
  const lines = [escapeName(workflowId), `  stage      ${status.stage}${status.detail ? ` — ${escapeName(status.detail)}` : ''}`];
  for (const hold of status.holds ?? (status.hold ? [status.hold] : [])) {
    const scope = hold.scope && hold.scope !== 'movie' ? ` [${describeScope(hold.scope)}]` : '';
    lines.push(`  HOLD       ${hold.reason} (by ${hold.by} since ${hold.since})${scope}`);
  }
  lines.push(`  camera     ${status.cameraHost}:${escapeName(status.camera.path ?? status.camera.fileName)}${status.camera.freed ? ' (freed)' : ''}`);
  if (status.leginon) {
    lines.push(`  leginon    session ${escapeName(status.leginon.session)}, ${status.leginon.imageClass} ${status.leginon.imageId} "${escapeName(status.leginon.filename)}"`);
  } else {
    lines.push(`  leginon    not resolved yet (${status.lookups} lookups)`);
  }
  if (status.references) {
    const { norm, dark, defectPlan } = status.references;
    lines.push(`  references norm ${norm ?? '-'}, dark ${dark ?? '-'}, defect plan ${defectPlan ?? '-'}`);
  }
  if (status.fingerprint) lines.push(`  content    ${formatBytes(status.fingerprint.bytes)}, ${status.fingerprint.algorithm} ${status.fingerprint.hash}`);
  if (status.buffer) lines.push(`  buffer     ${status.bufferHost}:${escapeName(status.buffer.path)}`);
  if (status.archive) lines.push(`  archive    ${status.archiveTarget}:${escapeName(status.archive.path)}${status.archive.sameAsBuffer ? ' (same as buffer)' : ''}`);
  if (status.expiresAt) lines.push(`  expires    ${status.expiresAt}`);
  if (status.preprocess) lines.push(`  preprocess ${describePreprocess(status.preprocess)}`);
  for (const p of pending) {
    if (p.queued && p.attempt === 1) {
      lines.push(`  queued     ${p.activityType}, behind other movies for a free worker slot`);
      continue;
    }
    const progress = p.bytesDone !== undefined ? `, ${formatBytes(p.bytesDone)} done` : '';
    const waiting = p.waiting ? `, waiting: ${p.waiting}` : '';
    const file = p.file ? `, ${p.file.step} ${formatBytes(p.file.bytesDone)} of ${formatBytes(p.file.bytesTotal)}` : '';
    lines.push(`  running    ${p.activityType}, attempt ${p.attempt}${progress}${file}${waiting}${p.lastFailure ? `, last failure: ${p.lastFailure}` : ''}`);
  }
  if (status.lastError) lines.push(`  last error ${status.lastError.stage} at ${status.lastError.at}: ${escapeName(status.lastError.message)}`);
  for (const warning of status.warnings) lines.push(`  WARNING    ${escapeName(warning)}`);
  const times = Object.entries(status.stageTimes).map(([stage, at]) => `${stage} ${at}`);
  lines.push(`  timeline   ${times.join(' → ')}`);
  return lines.join('\n');
}

/** One line on a pre-processing run: its state, then motion and CTF headline figures. */
export function describePreprocess(p: PreprocessStatus): string {
  const parts = [`run ${p.run} ${p.state === 'failed' ? 'FAILED' : p.state}${p.requestedBy ? ` (requested by ${p.requestedBy})` : ''}`];
  if (p.motion) {
    const gpu = p.motion.gpu !== undefined ? ` on GPU ${p.motion.gpu}` : '';
    parts.push(`motion ${p.motion.engine}${p.motion.version ? ` ${p.motion.version}` : ''}${gpu}: ${p.motion.frames} frames, drift ${p.motion.totalDrift.toFixed(1)} px (${p.motion.seconds} s)${p.motion.defects ? `, ${p.motion.defects}` : ''}`);
  }
  if (p.ctf) {
    const fit = p.ctf.resolution === null ? 'no rings fit' : `fit to ${p.ctf.resolution.toFixed(1)} Å`;
    parts.push(`CTF ${p.ctf.engine}${p.ctf.version ? ` ${p.ctf.version}` : ''}: defocus ${Math.round(p.ctf.defocus1)}/${Math.round(p.ctf.defocus2)} Å, astigmatism ${Math.round(p.ctf.astigmatism)} Å, ${fit}`);
  }
  if (p.gainCheck) parts.push(`${p.gainCheck.problem ? 'GAIN CHECK' : 'gain check'}: ${p.gainCheck.verdict}`);
  if (p.error) parts.push(p.error);
  if (p.motion) parts.push(`outputs ${p.motion.outputDir}`);
  return parts.join('; ');
}
