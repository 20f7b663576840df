/**
 * Simulated movies with a known truth: a specimen (src/simulator/specimen.ts) drifting by a known amount in each
 * frame, counted by a camera whose pixels differ in sensitivity (its fixed-pattern gain) with shot noise, the way
 * beam-induced motion, a counting detector and the CTF shape a real exposure.
 */
import { seededRandom, poisson } from './random.js';
import { drawCtfTruth, specimenImage, type CtfTruth, type Optics } from './specimen.js';

export interface DriftMovieOptions {
  width: number;
  height: number;
  frames: number;
  /**
   * Specimen motion per frame, in pixels (constant velocity; frame 1 sits at 0,0). Sub-pixel positions are
   * sampled bilinearly, which blurs each frame a little along the drift: an anisotropic envelope that CTFFIND
   * partly reads as astigmatism (its angle then errs by up to 20° where the astigmatism is 200-400 Å).
   */
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

/** Bilinear sampling of a periodic square image: the specimen is band-limited, so sub-pixel shifts stay faithful. */
function periodicSampler(image: Float32Array, size: number): (x: number, y: number) => number {
  const wrap = (i: number) => ((i % size) + size) % size;
  return (x, y) => {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const [xa, xb, ya, yb] = [wrap(x0), wrap(x0 + 1), wrap(y0) * size, wrap(y0 + 1) * size];
    return (1 - fy) * ((1 - fx) * image[ya + xa]! + fx * image[ya + xb]!) + fy * ((1 - fx) * image[yb + xa]! + fx * image[yb + xb]!);
  };
}

export function makeDriftMovie(options: DriftMovieOptions): DriftMovie {
  const next = seededRandom(options.seed);
  const ctf = options.ctf ?? drawCtfTruth(next);
  let size = 1;
  while (size < Math.max(options.width, options.height)) size *= 2;
  const sample = periodicSampler(specimenImage(size, options.optics, ctf, next), size);
  const shifts = Array.from({ length: options.frames }, (_, i) => ({ x: options.drift.x * i, y: options.drift.y * i }));
  const { width, height, sensitivity } = options;
  const frames = shifts.map((shift) => {
    const frame = new Float32Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        // The specimen moved by +shift, so this pixel sees the specimen point at (x - shift).
        frame[i] = poisson(options.electronsPerPixel * (sensitivity?.[i] ?? 1) * sample(x - shift.x, y - shift.y), next);
      }
    }
    return frame;
  });
  return { frames, shifts, ctf };
}
