/**
 * preprocessMovie: one pre-processing run of one movie, a child of its ingestMovie. Motion correction, then CTF
 * estimation on the motion-corrected sum, each on the buffer host's GPU or CPU queue as its engine needs. A
 * failure ends the run with state "failed" (stored in the results table, shown in the movie's status); it never
 * fails the parent, so archive and expiry go on regardless.
 */
import { ActivityFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { PreprocessActivities } from '../activities/preprocess.js';
import { preprocessTaskQueue } from '../src/operatorNames.js';
import { PATCHES } from './patches.js';
import { stepDevice, type Device } from '../src/preprocess/engines.js';
import type { PreprocessMovieInput, PreprocessSummary } from '../src/preprocess/job.js';

export async function preprocessMovie(input: PreprocessMovieInput): Promise<PreprocessSummary> {
  const { motionEngine, ctfEngine, timeoutMs, heartbeatTimeoutMs, ...job } = input;
  const on = (device: Device | undefined) =>
    proxyActivities<PreprocessActivities>({
      taskQueue: preprocessTaskQueue(device!, input.bufferHost),
      // Waiting for a free GPU is not a timeout: only the run itself is limited.
      startToCloseTimeout: timeoutMs,
      heartbeatTimeout: heartbeatTimeoutMs,
      // One more try covers a crashed worker or a GPU that was briefly out of memory; then it is a failure to look at.
      retry: { maximumAttempts: 2, initialInterval: '10s' },
    });
  const summary: PreprocessSummary = { run: input.run, state: 'done' };
  try {
    if (motionEngine === 'none') return { ...summary, state: 'skipped', error: 'motion correction is off (preprocess.motionCorrection.engine)' };
    // MotionCor3 estimates the CTF during motion correction only when asked (otherwise it is told Cs 0).
    summary.motion = await on(stepDevice('motion', motionEngine)).motionCorrect({ ...job, engine: motionEngine, withCtf: ctfEngine === 'motioncor3' });
    if (ctfEngine !== 'none') {
      summary.ctf = await on(stepDevice('ctf', ctfEngine)).estimateCtf({ ...job, engine: ctfEngine, micrograph: summary.motion.sum });
    }
    if (patched(PATCHES.gainSentinel)) {
      // The sentinel's own trouble (an unreadable movie or reference) is a note, never the run's failure.
      summary.gainCheck = await on('cpu')
        .checkGainReference(job)
        .catch((error: Error) => ({ problem: false, verdict: `gain check not made: ${(error instanceof ActivityFailure && error.cause?.message) || error.message}` }));
    }
    return summary;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const step = summary.motion ? `CTF estimation (${ctfEngine})` : `motion correction (${motionEngine})`;
    return { ...summary, state: 'failed', error: `${step}: ${error.cause?.message ?? error.message}` };
  }
}
