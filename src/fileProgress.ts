/**
 * Progress of every full-file loop (copy, read-back, comparison, compression) to whoever runs it. An activity
 * listens (activities/guard.ts) and heartbeats it: a 20 GB movie on a slow GPFS takes minutes in one loop, and an
 * activity that is silent that long is timed out and retried forever. Ambient (AsyncLocalStorage, as the activity
 * context itself is) so that no loop deep in a move or a comparison can be left out by a caller that forgot to
 * pass a callback.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a loop is doing, as operators read it in `bufferctl status` and the Web UI's pending activity. */
export type FileStep = 'copy' | 'read-back' | 'hash' | 'flush' | 'compress' | 'decompress';

export interface FileProgress {
  step: FileStep;
  bytesDone: number;
  bytesTotal: number;
}

export type FileProgressListener = (progress: FileProgress) => void;

const listeners = new AsyncLocalStorage<FileProgressListener>();

/** Runs `work` with every loop inside it reporting to `listener` (which may throw to stop it, e.g. on cancellation). */
export function withFileProgress<T>(listener: FileProgressListener, work: () => Promise<T>): Promise<T> {
  return listeners.run(listener, work);
}

/** Called by a loop after each chunk. */
export function reportFileProgress(step: FileStep, bytesDone: number, bytesTotal: number): void {
  listeners.getStore()?.({ step, bytesDone, bytesTotal });
}

const WAIT_REPORT_MS = 1_000;

/**
 * Reports `step` once a second while one long call without chunks runs (an fsync of gigabytes of dirty pages);
 * `bytesTotal` is what it covers.
 */
export async function reportWhile<T>(step: FileStep, bytesTotal: number, call: Promise<T>): Promise<T> {
  const listener = listeners.getStore();
  if (!listener) return call;
  let stop: unknown;
  const timer = setInterval(() => {
    try {
      listener({ step, bytesDone: 0, bytesTotal });
    } catch (error) {
      stop = error;
    }
  }, WAIT_REPORT_MS);
  try {
    const result = await call;
    if (stop) throw stop;
    return result;
  } finally {
    clearInterval(timer);
  }
}

/** What an activity's heartbeats carry; `bufferctl status` shows the last one of a running activity. */
export interface HeartbeatDetails {
  /** Of the whole movie (every part), for a copy. */
  bytesDone?: number;
  partsDone?: number;
  /** What a started activity waits for (an archive copy waiting out an outage). */
  waiting?: string;
  /** The loop running now, in the file it is in. */
  file?: FileProgress;
}
