/**
 * A drift movie made and encoded on a worker thread: seconds of FFTs and LZW per 1024² movie would otherwise stop
 * the event loop of the process that runs the simulator (the demo's, whose workers then miss their workflow tasks'
 * deadlines). The thread's end is the module below; `renderDriftMovie` is what the microscope calls.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { encodeMrcStack } from '../mrc.js';
import { makeDriftMovie, type DriftMovieOptions } from './driftMovie.js';
import type { CtfTruth } from './specimen.js';
import { encodeTiffStack } from './tiff.js';

export interface RenderedMovie {
  /** The file's bytes: a TIFF or an MRC stack. */
  bytes: Uint8Array;
  shifts: { x: number; y: number }[];
  ctf: CtfTruth;
}

interface Job {
  options: DriftMovieOptions;
  encoding: 'tif' | 'mrc';
}

function render({ options, encoding }: Job): RenderedMovie {
  const movie = makeDriftMovie(options);
  const stack = { width: options.width, height: options.height, frames: movie.frames };
  const bytes = encoding === 'tif' ? encodeTiffStack(stack) : encodeMrcStack(stack);
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), shifts: movie.shifts, ctf: movie.ctf };
}

export function renderDriftMovie(options: DriftMovieOptions, encoding: 'tif' | 'mrc'): Promise<RenderedMovie> {
  return new Promise((resolve, reject) => {
    // The thread registers tsx's loader before it loads this TypeScript module (a worker does not inherit it on Node 20).
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { options, encoding } satisfies Job });
    worker.once('message', (movie: RenderedMovie) => resolve(movie));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the drift-movie thread exited with ${code}`))));
  });
}

if (!isMainThread && parentPort && (workerData as Partial<Job> | undefined)?.options) {
  const movie = render(workerData as Job);
  parentPort.postMessage(movie, [movie.bytes.buffer as ArrayBuffer]);
}
