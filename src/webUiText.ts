/**
 * What the Temporal Web UI shows of a movie: a one-line summary and details on its workflow (the camera file
 * at start; the Leginon name, session and stage once known), and summaries on its activities and timers.
 * Pure and deterministic (the workflow calls it).
 */
import type { IngestMovieInput, MovieStatus } from './movie.js';
import { escapeName } from './names.js';
import { formatBytes } from './units.js';

/** The workflow's summary line: known before anything else (the watcher starts it). */
export function movieStartSummary(input: Pick<IngestMovieInput, 'cameraHost' | 'fileName'>): string {
  return `movie ${escapeName(input.fileName)} from ${input.cameraHost}`;
}

export function movieStartDetails(input: Pick<IngestMovieInput, 'cameraHost' | 'bufferHost' | 'archiveTarget' | 'framesName'>): string {
  return [
    `**camera** ${input.cameraHost}, frames name \`${escapeName(input.framesName)}\``,
    `**buffer host** ${input.bufferHost} → archive target ${input.archiveTarget}`,
  ].join('\n');
}

/** The workflow's current details, rewritten at every stage (markdown, as the Web UI renders it). */
export function movieCurrentDetails(status: MovieStatus): string {
  const lines = [`**stage** ${status.stage}${status.detail ? ` — ${escapeName(status.detail)}` : ''}`];
  if (status.leginon) lines.push(`**Leginon** \`${escapeName(status.leginon.filename)}\`, session ${escapeName(status.leginon.session)} (${status.leginon.imageClass} ${status.leginon.imageId})`);
  const size = status.camera.bytes !== undefined ? `, ${formatBytes(status.camera.bytes)}` : '';
  lines.push(`**camera** ${status.cameraHost}:\`${escapeName(status.camera.path ?? status.camera.fileName)}\`${size}${status.camera.freed ? ' (freed)' : ''}`);
  if (status.buffer) lines.push(`**buffer** ${status.bufferHost}:\`${escapeName(status.buffer.path)}\``);
  if (status.archive) lines.push(`**archive** ${status.archiveTarget}:\`${escapeName(status.archive.path)}\``);
  if (status.expiresAt) lines.push(`**expires** ${status.expiresAt}`);
  for (const hold of status.holds ?? []) lines.push(`**HOLD** ${escapeName(hold.reason)} (by ${escapeName(hold.by)})`);
  return lines.join('\n');
}

/** A duration as a timer's summary says it: `14 d`, `5 h`, `30 min`, `2 s`. */
export function formatWait(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1_000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${Math.round((ms / size) * 10) / 10} ${unit}`;
  return `${ms} ms`;
}
