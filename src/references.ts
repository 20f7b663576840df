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

/**
 * Turns a reference the way Leginon saved the frames: a flip is up-down, except that flip + half turn is a
 * left-right flip; the rotation is then undone with (4 - rotate) counter-clockwise quarter turns.
 */
export function orientReference(image: Image2D, orientation: FrameOrientation): Image2D {
  let rotate = ((orientation.rotate % 4) + 4) % 4;
  let result = image;
  if (orientation.flip) {
    if (rotate === 2) {
      result = flipColumns(result);
      rotate = 0;
    } else {
      result = flipRows(result);
    }
  }
  for (let turn = 0; rotate && turn < 4 - rotate; turn++) result = quarterTurn(result);
  return result;
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
}): string {
  return `${[
    entry.movieName,
    entry.orientation.flip ? 'T' : 'F',
    String((entry.orientation.rotate % 4) * 90),
    String(entry.darkScale),
    entry.norm ?? '',
    entry.dark ?? '',
  ].join('\t')}\n`;
}
