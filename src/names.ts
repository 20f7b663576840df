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

/** A DE frames folder's Leginon name ends in this (no format extension: the folder holds the frame files). */
export const DE_FOLDER_SUFFIX = '.frames';
/** The DE camera's description of a movie, inside its frames folder (recorded in leginondb's DDinfo tables). */
export const DE_INFO_FILE = 'info.txt';

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
      ? { kind: 'movie', movie: { framesName: fileName, format: 'de-folder', suffix: DE_FOLDER_SUFFIX } }
      : { kind: 'ignored', reason: 'a folder that is not a DE frames folder (20…)' };
  }
  if (fileName.toLowerCase().endsWith('.xml')) return { kind: 'ignored', reason: 'a sidecar; it travels with its movie' };
  const dot = fileName.lastIndexOf('.');
  const extension = dot > 0 ? fileName.slice(dot).toLowerCase() : '';
  const format = EXTENSION_FORMATS[extension];
  if (!format) return { kind: 'ignored', reason: `not a movie (extension "${extension}")` };
  return { kind: 'movie', movie: { framesName: fileName.slice(0, dot), format, suffix: `.frames.${format}` } };
}

/** The files of a DE frames folder that make up its movie: its visible regular files (links and folders are not). */
export function isDeFolderFile(entry: { name: string; stats: { isFile(): boolean } }): boolean {
  return entry.stats.isFile() && !entry.name.startsWith('.');
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
 * Characters no name the server uses may hold, because they rewrite what a terminal or a listing shows: C0
 * controls (newline, ESC), DEL, C1 controls (a one-byte CSI), line and paragraph separators, bidi overrides and
 * isolates (text shown in another order than it runs), and U+FFFD, which is how a name that was not valid
 * UTF-8 reaches Node (the file could not even be opened by that name).
 */
const UNSHOWABLE_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufffd';
/** Those, and lone surrogates (a string that is not well-formed UTF-16, so not valid UTF-8 either). */
const UNSHOWABLE = new RegExp(`[${UNSHOWABLE_CHARACTERS}]|\\p{Cs}`, 'u');
const UNSHOWABLE_ALL = new RegExp(UNSHOWABLE.source, 'gu');

const codePoint = (c: string) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`;

/** A name as operators are shown it: every unshowable character as `\u{…}`, the rest as it is. */
export function escapeName(name: string): string {
  return name.replace(UNSHOWABLE_ALL, codePoint);
}

/** Text for a terminal: like escapeName, but newlines and tabs of the layout itself stay. */
export function terminalSafe(text: string): string {
  return text.replace(UNSHOWABLE_ALL, (c) => (c === '\n' || c === '\t' ? c : codePoint(c)));
}

/** Refuses a name (a camera file's, a session's, one from leginondb) that is unshowable, not valid UTF-8, or too long. */
export function refuseUnshowableName(name: string, what: string): void {
  if (UNSHOWABLE.test(name)) {
    throw new UnsafeNameError(`${what} "${escapeName(name)}" contains a control character, a line separator or a bidi override, or is not valid UTF-8`);
  }
  if (Buffer.byteLength(name) > MAX_FILE_NAME_BYTES) {
    throw new UnsafeNameError(`${what} "${escapeName(name)}" is longer than ${MAX_FILE_NAME_BYTES} bytes`);
  }
}

/** A word for a shell command line: as it is when plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The buffer/archive file name for a movie: `<image filename><suffix>`. The filename comes from the database,
 * so anything that could escape the folder or break a listing is refused rather than cleaned up.
 */
export function leginonMovieFileName(imageFilename: string, suffix: string): string {
  const name = `${imageFilename}${suffix}`;
  if (imageFilename.trim() === '' || imageFilename === '.' || imageFilename === '..') {
    throw new UnsafeNameError(`Leginon filename ${JSON.stringify(imageFilename)} is empty or a folder reference`);
  }
  if (/[/\\]/.test(imageFilename)) {
    throw new UnsafeNameError(`Leginon filename "${escapeName(imageFilename)}" contains a slash`);
  }
  refuseUnshowableName(imageFilename, 'Leginon filename');
  if (Buffer.byteLength(name) > MAX_FILE_NAME_BYTES) {
    throw new UnsafeNameError(`file name "${escapeName(name)}" is longer than ${MAX_FILE_NAME_BYTES} bytes`);
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
