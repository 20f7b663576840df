/**
 * The gain sentinel's judgement of one movie: does the session's gain (norm) reference, turned as its camera
 * record says the frames were saved, flatten the camera's fixed pattern in the raw frame sum, and does the sum
 * show a bad column, row or hot pixel the defect plan does not cover? A wrong orientation leaves the pattern in
 * every micrograph of the session (and a stale gain adds its own), yet motion correction and CTF still run; no
 * other pipeline checks it. Pure: the caller reads the frames and references.
 *
 * Flatness: the sum times the norm, turned each of the 8 ways (flip x quarter turns); the specimen, the dose and the
 * shot noise are the same in all 8, so the orientation leaving the least pixel-to-pixel variation (differences of
 * neighbours: the pattern is per pixel and per column, the specimen's broad contrast cancels) is the one that
 * undoes the pattern. Staleness: in that best-corrected sum, columns and rows whose mean stands out from their
 * neighbouring lines', and pixels counting many times their neighbours, that the plan does not list.
 */
import type { Image2D } from '../mrc.js';
import { orientReference, type DefectPlan, type FrameOrientation } from '../references.js';

export const ORIENTATIONS: FrameOrientation[] = [false, true].flatMap((flip) => [0, 1, 2, 3].map((rotate) => ({ flip, rotate })));

/** The configured orientation is called wrong only when another flattens the pattern by at least this much. */
const MISMATCH_MARGIN = 0.05;
/** Robust z-score (median absolute deviation) above which a column or row mean is a defect. */
const LINE_OUTLIER_Z = 8;
/** A hot pixel counts this many times the median of its 8 neighbours (bright specimen areas are bright all over) and of the whole sum. */
const HOT_PIXEL_FACTOR = 5;
/** More than this many hot pixels is a pattern, not a list: the evidence names the first ones. */
const LISTED_HOT_PIXELS = 10;

export interface OrientationScore {
  orientation: FrameOrientation;
  /** Mean squared difference of neighbouring pixels over the mean², of the corrected sum; lower is flatter. */
  residual: number;
}

export interface GainCheck {
  configured: FrameOrientation;
  best: FrameOrientation;
  /** The 8 orientations that fit the frames' shape, flattest first. */
  scores: OrientationScore[];
  /** The configured orientation is not the flattest by a clear margin. */
  wrongOrientation: boolean;
  /** Defects in the sum (frame coordinates) that the plan does not cover. */
  newBadColumns: number[];
  newBadRows: number[];
  newHotPixels: [number, number][];
  /** One line for status, alerts and bufferctl. */
  verdict: string;
}

export const orientationName = (o: FrameOrientation) => `flip ${o.flip ? 'yes' : 'no'}, rotate ${o.rotate}`;
const same = (a: FrameOrientation, b: FrameOrientation) => a.flip === b.flip && a.rotate % 4 === b.rotate % 4;

/** `frameSum`: the raw (not gain-corrected) sum of a movie's frames; `norm`: the gain reference as saved. */
export function checkGain(frameSum: Image2D, norm: Image2D, configured: FrameOrientation, plan: DefectPlan = { badColumns: [], badRows: [], badPixels: [] }): GainCheck {
  const scores: OrientationScore[] = [];
  let bestCorrected: Float32Array | undefined;
  for (const orientation of ORIENTATIONS) {
    const turned = orientReference(norm, orientation);
    if (turned.width !== frameSum.width || turned.height !== frameSum.height) continue;
    const corrected = frameSum.pixels.map((value, i) => value * turned.pixels[i]!);
    const residual = neighbourVariation(corrected, frameSum.width);
    scores.push({ orientation, residual });
    if (scores.every((s) => s.residual >= residual)) bestCorrected = corrected;
  }
  if (!bestCorrected) {
    throw new Error(`the gain reference is ${norm.width} x ${norm.height} and the frames ${frameSum.width} x ${frameSum.height}: no orientation fits`);
  }
  scores.sort((a, b) => a.residual - b.residual);
  const best = scores[0]!.orientation;
  const configuredScore = scores.find((s) => same(s.orientation, configured));
  const wrongOrientation = !same(best, configured) && (!configuredScore || configuredScore.residual > scores[0]!.residual * (1 + MISMATCH_MARGIN));
  const corrected: Image2D = { width: frameSum.width, height: frameSum.height, pixels: bestCorrected };
  const newBadColumns = lineOutliers(lineMeans(corrected, 'column')).filter((x) => !plan.badColumns.includes(x));
  const newBadRows = lineOutliers(lineMeans(corrected, 'row')).filter((y) => !plan.badRows.includes(y));
  const planned = new Set(plan.badPixels.map(([x, y]) => `${x},${y}`));
  const newHotPixels = hotPixels(corrected).filter(([x, y]) => !planned.has(`${x},${y}`) && !newBadColumns.includes(x) && !newBadRows.includes(y));
  return { configured, best, scores, wrongOrientation, newBadColumns, newBadRows, newHotPixels, verdict: verdictOf() };

  function verdictOf(): string {
    const problems: string[] = [];
    if (wrongOrientation) {
      const flatter = configuredScore ? ` (fixed-pattern residual ${configuredScore.residual.toExponential(2)} against ${scores[0]!.residual.toExponential(2)})` : '';
      problems.push(`the gain fits the frames turned ${orientationName(best)}, not the configured ${orientationName(configured)}${flatter}`);
    }
    if (newBadColumns.length) problems.push(`bad column(s) ${newBadColumns.join(', ')} not in the defect plan`);
    if (newBadRows.length) problems.push(`bad row(s) ${newBadRows.join(', ')} not in the defect plan`);
    if (newHotPixels.length) {
      const listed = newHotPixels.slice(0, LISTED_HOT_PIXELS).map(([x, y]) => `${x},${y}`).join(' ');
      problems.push(`${newHotPixels.length} hot pixel(s) not in the defect plan (${listed}${newHotPixels.length > LISTED_HOT_PIXELS ? ' ...' : ''})`);
    }
    return problems.length ? problems.join('; ') : `the gain flattens the frames as configured (${orientationName(configured)}), no new defects`;
  }
}

function neighbourVariation(values: Float32Array, width: number): number {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    const right = i % width < width - 1 ? values[i + 1]! - values[i]! : 0;
    const below = i + width < values.length ? values[i + width]! - values[i]! : 0;
    squares += right * right + below * below;
  }
  const mean = sum / values.length;
  return squares / values.length / (mean * mean);
}

function lineMeans(image: Image2D, along: 'column' | 'row'): number[] {
  const count = along === 'column' ? image.width : image.height;
  const means = new Array<number>(count).fill(0);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) means[along === 'column' ? x : y]! += image.pixels[y * image.width + x]!;
  }
  const length = along === 'column' ? image.height : image.width;
  return means.map((m) => m / length);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Lines whose mean stands out from the median of the lines around it, in units of that excess's median absolute deviation. */
function lineOutliers(means: number[]): number[] {
  const excess = means.map((m, i) => m - median([-3, -2, -1, 1, 2, 3].flatMap((d) => (means[i + d] === undefined ? [] : [means[i + d]!]))));
  const spread = median(excess.map(Math.abs)) * 1.4826 || Number.EPSILON;
  return excess.flatMap((e, i) => (Math.abs(e) / spread > LINE_OUTLIER_Z ? [i] : []));
}

function hotPixels(image: Image2D): [number, number][] {
  const { width, height, pixels } = image;
  const step = Math.max(1, Math.floor(pixels.length / 10_000));
  const limit = HOT_PIXEL_FACTOR * median(Array.from({ length: Math.floor(pixels.length / step) }, (_, i) => pixels[i * step]!));
  const hot: [number, number][] = [];
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const value = pixels[y * width + x]!;
      if (value <= limit) continue;
      const neighbours = [-1, 0, 1].flatMap((dy) => [-1, 0, 1].flatMap((dx) => (dx || dy ? [pixels[(y + dy) * width + x + dx]!] : [])));
      if (value > HOT_PIXEL_FACTOR * median(neighbours)) hot.push([x, y]);
    }
  }
  return hot;
}
