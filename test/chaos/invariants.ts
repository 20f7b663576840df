/**
 * The data-safety invariants, checked after a chaos scenario from the files themselves and each movie's status:
 * no camera file gone without an identical copy, no buffer copy gone without an identical archive copy, every
 * movie in a final or clearly parked state, no temporary or conflict files left, no damaged copy set aside unreported.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fingerprintFile, sameContent } from '../../src/copy.js';
import type { FileFingerprint, MovieStatus } from '../../src/movie.js';
import { movieWorkflowId, QUERIES } from '../../src/operatorNames.js';
import type { Harness } from '../helpers/harness.js';

export interface TrackedMovie {
  framesName: string;
  cameraFile: string;
  /** Taken off the camera file before any fault. */
  source: FileFingerprint;
}

const FINAL = new Set(['archived', 'expired', 'parked']);

async function holds(file: string | undefined, expected: FileFingerprint): Promise<boolean> {
  if (!file || !existsSync(file)) return false;
  return sameContent(await fingerprintFile(file), expected);
}

function filesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

export async function checkInvariants(h: Harness, movies: TrackedMovie[]): Promise<string[]> {
  const violations: string[] = [];
  const warnings: string[] = [];
  for (const movie of movies) {
    const id = movieWorkflowId('sim-k3', movie.framesName);
    const status = await h.client.workflow.getHandle(id).query<MovieStatus>(QUERIES.status);
    warnings.push(...status.warnings);
    if (!FINAL.has(status.stage)) violations.push(`${id}: ended in stage ${status.stage}, not archived, expired or parked`);
    const buffer = status.buffer?.path;
    const archive = status.archive?.path;
    // A copy found damaged and reported by parking the movie is the system doing its job, not a violation.
    const damageReported = status.stage === 'parked' && /is damaged/.test(status.detail ?? '');
    const bufferOk = await holds(buffer, movie.source);
    const archiveOk = await holds(archive, movie.source);
    // (With the camera freed, damage injected into the only copy loses the movie; the system must say so.)
    if (!existsSync(movie.cameraFile) && !bufferOk && !archiveOk && !damageReported) {
      violations.push(`${id}: camera file gone without an identical buffer or archive copy`);
    }
    if (buffer && !existsSync(buffer) && !archiveOk) violations.push(`${id}: buffer copy gone without an identical archive copy`);
    if (buffer && existsSync(buffer) && !bufferOk && !damageReported) violations.push(`${id}: buffer copy differs from the camera file`);
    if (archive && existsSync(archive) && status.stage !== 'parked' && !archiveOk) violations.push(`${id}: archive copy differs from the camera file`);
  }
  for (const file of [...filesUnder(h.dirs.buffer), ...filesUnder(h.dirs.archive)]) {
    if (file.endsWith('.partial')) violations.push(`a temporary file was left behind: ${file}`);
    if (/\.conflict-\d+/.test(file)) violations.push(`a different file was stored beside another: ${file}`);
    if (/\.damaged-\d+$/.test(file) && !warnings.some((w) => w.includes(path.basename(file)))) {
      violations.push(`a damaged copy was set aside without a word in any movie's status: ${file}`);
    }
  }
  return violations;
}
