/**
 * Synthetic movies with a known drift, for the CPU motion-correction engine: a smooth random specimen seen
 * through shot noise, shifted by a known amount in each frame, the way beam-induced motion shifts a real one.
 */

export interface DriftMovieOptions {
  width: number;
  height: number;
  frames: number;
  /** Specimen motion per frame, in pixels (constant velocity; frame 1 sits at 0,0). */
  drift: { x: number; y: number };
  /** Mean electrons per pixel per frame; lower means noisier frames. */
  electronsPerPixel: number;
  seed: number;
}

export interface DriftMovie {
  /** Row-major frames, each `height` rows of `width` pixels. */
  frames: Float32Array[];
  /** Where the specimen sits in each frame relative to frame 1, in pixels. */
  shifts: { x: number; y: number }[];
}

/** xorshift32: a reproducible stream, so a test's movie is the same on every machine. */
function random(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** A specimen larger than the frame: overlapping Gaussian blobs of random size and contrast. */
function specimen(width: number, height: number, next: () => number): (x: number, y: number) => number {
  const blobs = Array.from({ length: Math.round((width * height) / 150) }, () => ({
    x: next() * width,
    y: next() * height,
    inverseWidth: 1 / (2 * (1.5 + next() * 4) ** 2),
    weight: 0.3 + next(),
  }));
  const image = new Float32Array(width * height);
  for (const blob of blobs) {
    const reach = Math.ceil(Math.sqrt(5 / blob.inverseWidth));
    for (let y = Math.max(0, Math.floor(blob.y - reach)); y < Math.min(height, blob.y + reach); y++) {
      for (let x = Math.max(0, Math.floor(blob.x - reach)); x < Math.min(width, blob.x + reach); x++) {
        image[y * width + x]! += blob.weight * Math.exp(-((x - blob.x) ** 2 + (y - blob.y) ** 2) * blob.inverseWidth);
      }
    }
  }
  // Bilinear sampling: the specimen is smooth, so this shifts it by sub-pixel amounts faithfully.
  return (x, y) => {
    const x0 = Math.min(width - 2, Math.max(0, Math.floor(x)));
    const y0 = Math.min(height - 2, Math.max(0, Math.floor(y)));
    const fx = x - x0;
    const fy = y - y0;
    const at = (dx: number, dy: number) => image[(y0 + dy) * width + x0 + dx]!;
    return (1 - fy) * ((1 - fx) * at(0, 0) + fx * at(1, 0)) + fy * ((1 - fx) * at(0, 1) + fx * at(1, 1));
  };
}

/** Poisson counts by inversion for small means, normal approximation above: a camera's shot noise. */
function poisson(mean: number, next: () => number): number {
  if (mean > 30) {
    const gaussian = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian));
  }
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = next(); product > limit; product *= next()) count++;
  return count;
}

export function makeDriftMovie(options: DriftMovieOptions): DriftMovie {
  const next = random(options.seed);
  const margin = Math.ceil(Math.max(Math.abs(options.drift.x), Math.abs(options.drift.y)) * options.frames) + 2;
  const specimenWidth = options.width + 2 * margin;
  const sample = specimen(specimenWidth, options.height + 2 * margin, next);
  const shifts = Array.from({ length: options.frames }, (_, i) => ({ x: options.drift.x * i, y: options.drift.y * i }));
  const frames = shifts.map((shift) => {
    const frame = new Float32Array(options.width * options.height);
    for (let y = 0; y < options.height; y++) {
      for (let x = 0; x < options.width; x++) {
        // The specimen moved by +shift, so this pixel sees the specimen point at (x - shift).
        const signal = sample(x + margin - shift.x, y + margin - shift.y);
        frame[y * options.width + x] = poisson(options.electronsPerPixel * (0.5 + signal), next);
      }
    }
    return frame;
  });
  return { frames, shifts };
}
