/**
 * The gain sentinel's one check of a movie, as the pre-processing activity runs it for a session's first movies
 * and `bufferctl gain-check` on demand: read the raw frames, the norm reference as Leginon saved it and the defect
 * plan (all through SafeRoot, where the workflow put them: never through a link), judge (gainCheck.ts), store.
 */
import { recordGainCheck, type BufferDb } from '../bufferdb.js';
import type { MovieStatus } from '../movie.js';
import { decodeMrc } from '../mrc.js';
import { REFERENCES_FOLDER, unmodifiedReferencePath, type FrameOrientation } from '../references.js';
import { movieRootHolding, type SafeRoot } from '../safeFs.js';
import { readDefectPlanText } from './defects.js';
import { sumFrames } from './frameSum.js';
import { checkGain, type GainCheck } from './gainCheck.js';
import { movieFormat, type GainCheckHeadline } from './job.js';
import type { MovieFormat } from './motioncor2.js';

export interface GainSentinelJob {
  movieWorkflowId: string;
  session: string;
  imageFilename: string;
  moviePath: string;
  format: MovieFormat;
  /** The norm reference the engines use (the `_mod` copy when the frames are turned); its original lies beside it. */
  gainPath: string;
  defectPlanPath?: string;
  /** How the camera record says the frames were saved. */
  orientation: FrameOrientation;
  /** Raw frames to sum. */
  frames: number;
}

export const hasGainProblem = (check: GainCheck) =>
  check.wrongOrientation || check.newBadColumns.length + check.newBadRows.length + check.newHotPixels.length > 0;

/**
 * Checks and stores one movie. Files it cannot read (a movie gone, an EER, a reference missing) give a note, not an
 * error: another attempt would read the same files. `wrap` lets the activity heartbeat while frames are read.
 */
export async function runGainSentinel(
  job: GainSentinelJob,
  roots: { buffer: SafeRoot; archive: SafeRoot; bufferDb?: BufferDb },
  wrap: <T>(work: Promise<T>) => Promise<T> = (work) => work,
): Promise<GainCheckHeadline> {
  let check: GainCheck;
  let framesSummed: number;
  try {
    const root = movieRootHolding(job.moviePath, roots.buffer, roots.archive);
    const norm = decodeMrc(await root.readBytes(unmodifiedReferencePath(job.gainPath)));
    const movie = await root.openFile(job.moviePath);
    const sum = await wrap(sumFrames(movie, job.moviePath, job.format, job.frames)).finally(() => movie.close());
    const plan = job.defectPlanPath ? readDefectPlanText(await root.readText(job.defectPlanPath)) : undefined;
    check = checkGain(sum, norm, job.orientation, plan);
    framesSummed = sum.frames;
  } catch (error) {
    return { problem: false, verdict: `gain check not made: ${(error as Error).message}` };
  }
  if (roots.bufferDb) {
    await recordGainCheck(roots.bufferDb, { workflowId: job.movieWorkflowId, session: job.session, imageFilename: job.imageFilename, check, framesSummed });
  }
  return { problem: hasGainProblem(check), verdict: check.verdict };
}

/** The check of a movie as its status describes it (for `bufferctl gain-check`), or why it cannot be made. */
export function gainSentinelJobOf(workflowId: string, status: MovieStatus, orientation: FrameOrientation, frames: number): GainSentinelJob | string {
  const moviePath = status.buffer?.path ?? status.archive?.path;
  if (!moviePath || !status.leginon) return 'the movie is not yet in its place with its Leginon image';
  if (!status.references?.norm) return 'the movie was taken without a gain (norm) reference';
  const format = movieFormat(/\.frames\.\w+$/.exec(moviePath)?.[0] ?? '');
  if (!format) return 'DE frames folders are not checked';
  const folder = `${moviePath.slice(0, moviePath.lastIndexOf('/'))}/${REFERENCES_FOLDER}`;
  return {
    movieWorkflowId: workflowId,
    session: status.leginon.session,
    imageFilename: status.leginon.filename,
    moviePath,
    format,
    gainPath: `${folder}/${status.references.norm}`,
    defectPlanPath: status.references.defectPlan && `${folder}/${status.references.defectPlan}`,
    orientation,
    frames,
  };
}
