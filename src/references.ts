/**
 * Gain (norm) and dark references beside the frames, as Leginon's rawtransfer reference copier keeps them in
 * `<frame folder>/references/`: each reference once under its own name, a `_mod` copy turned the way the frames
 * were saved (and a dark scaled to one frame), and `reference_list.txt` saying which movie used which. Pure.
 */
import type { Image2D } from './mrc.js';

export const REFERENCES_FOLDER = 'references';
export const REFERENCE_LIST = 'reference_list.txt';
export const FAILED_REFERENCES = 'failed_reference_read.txt';
export const REFERENCE_LIST_HEADER = 'image_name\tflip\trotate\tdark_scale\tnorm_image\tdark_image\tdefect_plan\n';
export const FAILED_REFERENCES_HEADER = 'unreadable references\n';

/** CameraEMData `frame flip` and `frame rotate` (quarter turns) of the movie's camera record. */
export interface FrameOrientation {
  flip: boolean;
  rotate: number;
}

export const isReoriented = (o: FrameOrientation) => o.flip || o.rotate % 4 !== 0;

function flipRows(image: Image2D): Image2D {
  const pixels = new Float32Array(image.pixels.length);
  for (let row = 0; row < image.height; row++) {
    pixels.set(image.pixels.subarray(row * image.width, (row + 1) * image.width), (image.height - 1 - row) * image.width);
  }
  return { ...image, pixels };
}

function flipColumns(image: Image2D): Image2D {
  const pixels = new Float32Array(image.pixels.length);
  for (let row = 0; row < image.height; row++) {
    for (let col = 0; col < image.width; col++) {
      pixels[row * image.width + (image.width - 1 - col)] = image.pixels[row * image.width + col]!;
    }
  }
  return { ...image, pixels };
}

/** One quarter turn counter-clockwise (numpy.rot90): the result's row i, column j is the input's row j, column width-1-i. */
function quarterTurn(image: Image2D): Image2D {
  const { width, height } = image;
  const pixels = new Float32Array(image.pixels.length);
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < height; j++) pixels[i * height + j] = image.pixels[j * width + (width - 1 - i)]!;
  }
  return { width: height, height: width, pixels };
}

type Step = 'flip-rows' | 'flip-columns' | 'quarter-turn';

/**
 * How Leginon's saved frames were turned: a flip is up-down, except that flip + half turn is a left-right flip;
 * the rotation is then undone with (4 - rotate) counter-clockwise quarter turns.
 */
function orientationSteps(orientation: FrameOrientation): Step[] {
  let rotate = ((orientation.rotate % 4) + 4) % 4;
  const steps: Step[] = [];
  if (orientation.flip) {
    if (rotate === 2) {
      steps.push('flip-columns');
      rotate = 0;
    } else {
      steps.push('flip-rows');
    }
  }
  for (let turn = 0; rotate && turn < 4 - rotate; turn++) steps.push('quarter-turn');
  return steps;
}

const IMAGE_STEPS: Record<Step, (image: Image2D) => Image2D> = { 'flip-rows': flipRows, 'flip-columns': flipColumns, 'quarter-turn': quarterTurn };

/** Turns a reference the way Leginon saved the frames (orientationSteps). */
export function orientReference(image: Image2D, orientation: FrameOrientation): Image2D {
  return orientationSteps(orientation).reduce((result, step) => IMAGE_STEPS[step](result), image);
}

/** Where pixel (x, y) of a width x height image lands when turned like orientReference turns the image. */
export function orientPoint(x: number, y: number, width: number, height: number, orientation: FrameOrientation): [number, number] {
  let [px, py, w, h] = [x, y, width, height];
  for (const step of orientationSteps(orientation)) {
    if (step === 'flip-rows') py = h - 1 - py;
    else if (step === 'flip-columns') px = w - 1 - px;
    // quarterTurn: the result's row i, column j is the input's row j, column w-1-i.
    else [px, py, w, h] = [py, w - 1 - px, h, w];
  }
  return [px, py];
}

/** A dark reference is a sum of `nframes` frames; the list and the `_mod` copy scale it to one (blank: 1). */
export function darkScale(dark: Image2D | undefined, nframes: number | null): number {
  if (!dark || !nframes) return 1;
  const blank = dark.pixels.every((v) => v === 0);
  return blank ? 1 : nframes;
}

export function scaled(image: Image2D, divisor: number): Image2D {
  return divisor === 1 ? image : { ...image, pixels: image.pixels.map((v) => v / divisor) };
}

/** The reference as Leginon saved it, beside its `_mod` copy (a name without `_mod` is that reference already). */
export function unmodifiedReferencePath(file: string): string {
  return file.replace(/_mod\.mrc$/, '.mrc');
}

export function referenceFileName(filename: string, modified: boolean): string {
  return `${filename}${modified ? '_mod' : ''}.mrc`;
}

/** One tab-separated line of reference_list.txt, in its header's column order. */
export function referenceListLine(entry: {
  movieName: string;
  orientation: FrameOrientation;
  darkScale: number;
  norm?: string;
  dark?: string;
  /** Only when the image has a corrector plan (the column is left out otherwise, as Leginon writes it). */
  defectPlan?: string;
}): string {
  return `${[
    entry.movieName,
    entry.orientation.flip ? 'T' : 'F',
    String((entry.orientation.rotate % 4) * 90),
    String(entry.darkScale),
    entry.norm ?? '',
    entry.dark ?? '',
    ...(entry.defectPlan ? [entry.defectPlan] : []),
  ].join('\t')}\n`;
}

/** A corrector plan: bad columns, bad rows and bad pixels ((x, y) pairs) of the camera image. */
export interface DefectPlan {
  badColumns: number[];
  badRows: number[];
  badPixels: [number, number][];
}

export function defectPlanFileName(planId: number, modified: boolean): string {
  return `defect_plan${String(planId).padStart(4, '0')}${modified ? '_mod' : ''}.txt`;
}

/** Reads sinedon's `SEQ|...` text (a Python repr such as "(1, 2)", "[3]" or "[(10, 20), (5, 6)]") as numbers. */
export function parseSequence(text: string | null): number[] {
  return (text ?? '').match(/-?\d+/g)?.map(Number) ?? [];
}

export function parseDefectPlan(columns: string | null, rows: string | null, pixels: string | null): DefectPlan {
  const flat = parseSequence(pixels);
  const badPixels: [number, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) badPixels.push([flat[i]!, flat[i + 1]!]);
  return { badColumns: parseSequence(columns), badRows: parseSequence(rows), badPixels };
}

const pythonList = (values: string[]) => `[${values.join(', ')}]`;

/** The three lines of a defect plan file: bad columns, bad rows, bad pixels, in Python's list notation. */
export function defectPlanText(plan: DefectPlan): string {
  return [
    pythonList(plan.badColumns.map(String)),
    pythonList(plan.badRows.map(String)),
    pythonList(plan.badPixels.map(([x, y]) => `(${x}, ${y})`)),
  ].join('\n') + '\n';
}

/**
 * The plan turned like the frames (the same orientation as orientReference, so a defect stays on the same
 * physical pixel of the turned gain reference). A bad row may become a bad column and the other way round.
 */
export function orientDefectPlan(plan: DefectPlan, width: number, height: number, orientation: FrameOrientation): DefectPlan {
  // Point by point, in time and memory proportional to the defects: a K3's 11520 x 8184 has 94 million pixels.
  const where = (x: number, y: number) => orientPoint(x, y, width, height, orientation);
  const result: DefectPlan = { badColumns: [], badRows: [], badPixels: [] };
  for (const row of plan.badRows) {
    const [a, b] = [where(0, row), where(Math.min(1, width - 1), row)];
    if (a[1] === b[1]) result.badRows.push(a[1]);
    else result.badColumns.push(a[0]);
  }
  for (const column of plan.badColumns) {
    const [a, b] = [where(column, 0), where(column, Math.min(1, height - 1))];
    if (a[0] === b[0]) result.badColumns.push(a[0]);
    else result.badRows.push(a[1]);
  }
  result.badPixels = plan.badPixels.map(([x, y]) => where(x, y));
  result.badColumns.sort((p, q) => p - q);
  result.badRows.sort((p, q) => p - q);
  return result;
}
