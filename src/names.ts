/**
 * Camera file names -> Leginon frames names and buffer file names, following rawtransfer.py's suffix rules.
 * Pure: no file system access.
 */

export type FramesFormat = 'tif' | 'mrc' | 'eer' | 'de-folder';

export interface CameraMovie {
  /** CameraEMData.`frames name`: the camera file's name without its extension. */
  framesName: string;
  format: FramesFormat;
  /** What follows the Leginon image filename on the buffer: `.frames.tif` etc. */
  suffix: string;
}

export type CameraEntry = { kind: 'movie'; movie: CameraMovie } | { kind: 'ignored'; reason: string };

const EXTENSION_FORMATS: Record<string, FramesFormat> = {
  '.tif': 'tif',
  '.tiff': 'tif',
  '.mrc': 'mrc',
  '.mrcs': 'mrc',
  '.eer': 'eer',
};

/** Names that acquisition software and file-sharing clients write while a file is not yet a movie. */
const TEMPORARY_NAME = /(~$|\.(tmp|temp|part|partial|crdownload|swp)$)/i;

/**
 * Classifies one entry of a camera folder by its name (and whether it is a folder). A DE camera writes each
 * movie as a folder named by its date (`20…`); Falcon's `.xml` sidecars travel with their movie.
 */
export function classifyCameraEntry(fileName: string, isFolder = false): CameraEntry {
  if (fileName === '' || fileName.includes('/') || fileName.includes('\0')) {
    return { kind: 'ignored', reason: 'not a plain file name' };
  }
  if (fileName.startsWith('.')) return { kind: 'ignored', reason: 'hidden file' };
  if (TEMPORARY_NAME.test(fileName)) return { kind: 'ignored', reason: 'temporary file' };
  if (isFolder) {
    return fileName.startsWith('20')
      ? { kind: 'movie', movie: { framesName: fileName, format: 'de-folder', suffix: '.frames' } }
      : { kind: 'ignored', reason: 'a folder that is not a DE frames folder (20…)' };
  }
  if (fileName.toLowerCase().endsWith('.xml')) return { kind: 'ignored', reason: 'a sidecar; it travels with its movie' };
  const dot = fileName.lastIndexOf('.');
  const extension = dot > 0 ? fileName.slice(dot).toLowerCase() : '';
  const format = EXTENSION_FORMATS[extension];
  if (!format) return { kind: 'ignored', reason: `not a movie (extension "${extension}")` };
  return { kind: 'movie', movie: { framesName: fileName.slice(0, dot), format, suffix: `.frames.${format}` } };
}

export class UnsafeNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeNameError';
  }
}

/** Longest file name (in bytes) that ext4, XFS and GPFS accept. */
export const MAX_FILE_NAME_BYTES = 255;

/**
 * The buffer/archive file name for a movie: `<image filename><suffix>`. The filename comes from the database,
 * so anything that could escape the folder or break a listing is refused rather than cleaned up.
 */
export function leginonMovieFileName(imageFilename: string, suffix: string): string {
  const name = `${imageFilename}${suffix}`;
  if (imageFilename.trim() === '' || imageFilename === '.' || imageFilename === '..') {
    throw new UnsafeNameError(`Leginon filename ${JSON.stringify(imageFilename)} is empty or a folder reference`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(imageFilename)) {
    throw new UnsafeNameError(
      `Leginon filename ${JSON.stringify(imageFilename)} contains a slash or a control character`,
    );
  }
  if (Buffer.byteLength(name) > MAX_FILE_NAME_BYTES) {
    throw new UnsafeNameError(`file name ${JSON.stringify(name)} is longer than ${MAX_FILE_NAME_BYTES} bytes`);
  }
  return name;
}

/**
 * The name a movie part gets when its name is taken by other content: `<base>.conflict-<n><suffix>`, so both
 * are kept and the suffix still says what the file is.
 */
export function partName(base: string, targetSuffix: string, conflict: number): string {
  return conflict === 0 ? `${base}${targetSuffix}` : `${base}.conflict-${conflict}${targetSuffix}`;
}

/** The Falcon/EPU sidecar that travels with a movie file: `<frames name>.xml`. */
export function sidecarName(framesName: string): string {
  return `${framesName}.xml`;
}
