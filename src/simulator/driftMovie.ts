/**
 * Simulated movies with a known truth: a specimen (src/simulator/specimen.ts) drifting by a known amount in each
 * frame, counted by a camera whose pixels differ in sensitivity (its fixed-pattern gain) with shot noise, the way
 * beam-induced motion, a counting detector and the CTF shape a real exposure.
 */
import { seededRandom, poisson } from './random.js';
import { drawCtfTruth, imagesAt, specimenSpectrum, type CtfTruth, type Optics } from './specimen.js';

export interface DriftMovieOptions {
  width: number;
  height: number;
  frames: number;
  /** Specimen motion per frame, in pixels (constant velocity; frame 1 sits at 0,0), exact at sub-pixel shifts. */
  drift: { x: number; y: number };
  /** Mean electrons per pixel per frame (the dose times the pixel area). */
  electronsPerPixel: number;
  optics: Optics;
  /** The exposure's CTF; drawn from the seed when absent. */
  ctf?: CtfTruth;
  /** Each pixel's relative sensitivity, in the frames' orientation (row-major, width x height); absent: flat. */
  sensitivity?: Float32Array;
  seed: number;
}

export interface DriftMovie {
  /** Row-major counts, each `height` rows of `width` pixels. */
  frames: Float32Array[];
  /** Where the specimen sits in each frame relative to frame 1, in pixels. */
  shifts: { x: number; y: number }[];
  ctf: CtfTruth;
}

export function makeDriftMovie(options: DriftMovieOptions): DriftMovie {
  const next = seededRandom(options.seed);
  const ctf = options.ctf ?? drawCtfTruth(next);
  let size = 1;
  while (size < Math.max(options.width, options.height)) size *= 2;
  const spectrum = specimenSpectrum(size, options.optics, ctf, next);
  const shifts = Array.from({ length: options.frames }, (_, i) => ({ x: options.drift.x * i, y: options.drift.y * i }));
  const { width, height, sensitivity } = options;
  const frames: Float32Array[] = [];
  for (const specimen of imagesAt(spectrum, size, shifts)) {
    const frame = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        frame[i] = poisson(options.electronsPerPixel * (sensitivity?.[i] ?? 1) * specimen[y * size + x]!, next);
      }
    }
    frames.push(frame);
  }
  return { frames, shifts, ctf };
}
