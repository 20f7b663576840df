/**
 * A simulated microscope for the demo and the tests: writes movies into a camera folder the way a camera does
 * (the file grows for a while, then is complete) and inserts the Leginon rows that go with them.
 */
import { appendFile, mkdir, open, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { applyBufferHostChange } from '../bufferHostAdmin.js';
import { findCameraInstruments, type Db, type ImageClass } from '../leginondb.js';
import { encodeMrc } from '../mrc.js';
import { DE_INFO_FILE } from '../names.js';
import { totalDrift } from '../preprocess/results.js';
import { orientReference } from '../references.js';
import { renderDriftMovie } from './driftMovieThread.js';
import { cameraSensitivity } from './gain.js';
import { seededRandom } from './random.js';
import type { CtfTruth, Optics } from './specimen.js';
import { mirroredAxis } from './tiff.js';
import { leginonTables, tableName, type LeginonEra } from './leginonSchema.js';

export interface SimulatedSession {
  name: string;
  /** SessionData.`image path`, e.g. /data/leginon/demo/25nov25a/rawdata */
  imagePath: string;
  /** SessionData.`frame path`; empty means Leginon's fallback from the image path. */
  framePath?: string;
}

export interface MicroscopeOptions {
  cameraHost: string;
  cameraRoot: string;
  session: SimulatedSession;
  /** An enabled BufferHostData row for the camera; omit to simulate "no buffer host". */
  bufferHost?: { hostname: string; basePath: string };
  /** The leginondb shape to create (default current). */
  era?: LeginonEra;
}

export interface AcquireOptions {
  bytes: number;
  /** How long the camera takes to write the file (it grows in steps meanwhile). */
  writeMs?: number;
  /** `falcon`: an `.mrcs` stack with its `.xml` sidecar; `de`: a DE frames folder with frame files and info.txt. */
  format?: 'tif' | 'mrc' | 'eer' | 'falcon' | 'de';
  /** Frame files in a DE folder (default 3); `bytes` is shared among them. */
  deFrames?: number;
  /** Insert the Leginon rows this long after the file is complete; null: never. */
  rowDelayMs?: number | null;
  /**
   * Write a real frame stack (tif or mrc) of a specimen drifting at this many pixels per frame, instead of
   * `bytes` of noise: a movie the motion-correction engines can align. `bytes` is then ignored.
   */
  drift?: { x: number; y: number; frames?: number; size?: number };
  /** A drift movie's CTF; default: drawn (defocus 0.8-3.0 µm, astigmatism up to 500 Å). */
  ctf?: CtfTruth;
  /** Override the generated names (tests of odd and hostile names). */
  framesName?: string;
  imageFilename?: string;
  imageClass?: ImageClass;
}

export interface AcquiredMovie {
  framesName: string;
  /** The movie file, or the DE frames folder. */
  cameraFile: string;
  /** AcquisitionImageData.filename */
  imageFilename: string;
  /** Resolves once the Leginon rows are in the database (never, for rowDelayMs: null). */
  rowsInserted: Promise<void>;
  /** For a drift movie: where the specimen sits in each frame relative to frame 1, in the file's pixel coordinates. */
  shifts?: { x: number; y: number }[];
  /** For a drift movie: what the simulator's truth log says of it. */
  truth?: ExposureTruth;
}

/**
 * One line of the simulator's truth log (`<camera folder>.truth.jsonl`, beside the camera share; never in
 * leginondb): what motion correction and CTF estimation should find, in the sum's pixel grid as RELION writes
 * it (a TIFF's rows are read bottom-up, so its y axis and angles are mirrored against the file's rows).
 */
export interface ExposureTruth {
  framesName: string;
  imageFilename: string;
  format: string;
  ctf: CtfTruth;
  /** Path length of the drift, pixels. */
  totalDrift: number;
  shifts: { x: number; y: number }[];
  /** e-/Å² per frame. */
  dosePerFrame: number;
  optics: Optics;
}

/**
 * The optics every simulated exposure records, in Leginon's units: 300 kV, Cs 2.7 mm, 1.06 Å unbinned pixels
 * at 105 kx, 50 e-/Å² over a 2 s exposure. Exposures then have 1.25 e-/Å² per 50 ms frame.
 */
export const SIMULATED_OPTICS = {
  highTensionVolts: 300_000,
  /** The specimen's, not Leginon's: what CTFFIND is told (preprocess.ctf.amplitudeContrast) in the demo. */
  amplitudeContrast: 0.07,
  csMetres: 2.7e-3,
  magnification: 105_000,
  pixelMetres: 1.06e-10,
  binning: 1,
  doseElectronsPerSquareMetre: 50e20,
  exposureTimeMs: 2000,
  frameTimeMs: 50,
} as const;

/** The same optics in the units the specimen simulation takes. */
export const SIMULATED_SPECIMEN_OPTICS: Optics = {
  voltageKv: SIMULATED_OPTICS.highTensionVolts / 1000,
  csMm: SIMULATED_OPTICS.csMetres * 1000,
  amplitudeContrast: SIMULATED_OPTICS.amplitudeContrast,
  pixelSize: SIMULATED_OPTICS.pixelMetres * SIMULATED_OPTICS.binning * 1e10,
};

/**
 * Creates the tables, and adds columns a table made by an older version lacks, the way sinedon adds a column
 * the first time it stores a value for it (the demo's database lives on between runs).
 */
export async function createLeginonTables(db: Db, era: LeginonEra = 'current'): Promise<void> {
  for (const statement of leginonTables(era)) {
    await db.query(statement);
    const table = tableName(statement);
    const [existing] = await db.query<RowDataPacket[]>(
      'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
      [table],
    );
    const present = new Set(existing.map((row) => String(row.name)));
    for (const [, column, definition] of statement.matchAll(/^\s*`([^`]+)` ([^,\n]+),?$/gm)) {
      if (!present.has(column!)) await db.query(`ALTER TABLE \`${table}\` ADD COLUMN \`${column}\` ${definition}`);
    }
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Gatan-style frames name: YYYYMMDD_HHMMSS + a two-digit counter (pyscope/dmsem.py). */
export function gatanFramesName(when: Date, counter: number): string {
  const date = `${when.getFullYear()}${pad(when.getMonth() + 1)}${pad(when.getDate())}`;
  const time = `${pad(when.getHours())}${pad(when.getMinutes())}${pad(when.getSeconds())}`;
  return `${date}_${time}${pad(counter % 100)}`;
}

/** The simulated camera image (and its references): tiny, so references are cheap to write and check. */
const REFERENCE_SIZE = { width: 6, height: 4 };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Leginon's session naming: yy + month + dd + the next free letter (25nov25a, 25nov25b, ...). */
export async function nextSessionName(db: Db, when = new Date()): Promise<string> {
  const prefix = `${pad(when.getFullYear() % 100)}${MONTHS[when.getMonth()]}${pad(when.getDate())}`;
  const [rows] = await db.query<RowDataPacket[]>('SELECT `name` FROM `SessionData` WHERE `name` LIKE ?', [`${prefix}%`]);
  const taken = new Set(rows.map((r) => String(r.name)));
  for (let n = 0; ; n++) {
    const letters = n < 26 ? String.fromCharCode(97 + n) : `${String.fromCharCode(97 + Math.floor(n / 26) - 1)}${String.fromCharCode(97 + (n % 26))}`;
    if (!taken.has(`${prefix}${letters}`)) return `${prefix}${letters}`;
  }
}

export class SimulatedMicroscope {
  private counter = 0;
  /** The camera image's size as CameraEMData records it; references are this size. */
  private imageSize: { width: number; height: number } = REFERENCE_SIZE;
  /** Set by recordReferences: the references and frame orientation later exposures are taken with. */
  private references?: { normId: number; darkId: number; planId: number; flip: boolean; rotate: number };
  /** The camera's pixel sensitivity turned like the saved frames (the norm reference is its inverse). */
  private frameSensitivity?: Float32Array;

  private constructor(
    private readonly db: Db,
    private readonly options: MicroscopeOptions,
    readonly cameraInstrumentId: number,
    readonly sessionId: number,
    private readonly optics: { temId: number; presetId: number },
  ) {}

  /** Registers the camera (once per host name, as in a real leginondb), a new session, and the buffer host. */
  static async setUp(db: Db, options: MicroscopeOptions): Promise<SimulatedMicroscope> {
    await createLeginonTables(db, options.era);
    const cameraInstrumentId =
      (await findCameraInstruments(db, options.cameraHost))[0]?.id ??
      (
        await db.query<ResultSetHeader>('INSERT INTO `InstrumentData` (`name`, `hostname`, `description`) VALUES (?, ?, ?)', [
          'SimK3',
          options.cameraHost,
          'simulated K3 camera',
        ])
      )[0].insertId;
    const { sessionId, optics } = await SimulatedMicroscope.recordSession(db, options.session, cameraInstrumentId);
    if (options.bufferHost) {
      // The same call an operator makes with `bufferctl buffer-host setup`.
      await applyBufferHostChange(db, {
        kind: 'setup',
        cameraHost: options.cameraHost,
        bufferHost: options.bufferHost.hostname,
        basePath: options.bufferHost.basePath,
        appendFullHead: false,
      });
    }
    return new SimulatedMicroscope(db, options, cameraInstrumentId, sessionId, optics);
  }

  /** Another session on the same camera (a second user's, or one with odd paths), sharing the camera share. */
  async inSession(session: SimulatedSession): Promise<SimulatedMicroscope> {
    const { sessionId, optics } = await SimulatedMicroscope.recordSession(this.db, session, this.cameraInstrumentId);
    return new SimulatedMicroscope(this.db, { ...this.options, session }, this.cameraInstrumentId, sessionId, optics);
  }

  /** A SessionData row with its optics, as Leginon records a new session. */
  private static async recordSession(db: Db, session: SimulatedSession, cameraInstrumentId: number) {
    const [row] = await db.query<ResultSetHeader>(
      'INSERT INTO `SessionData` (`name`, `image path`, `frame path`, `comment`) VALUES (?, ?, ?, ?)',
      [session.name, session.imagePath, session.framePath ?? '', 'simulated session'],
    );
    return { sessionId: row.insertId, optics: await SimulatedMicroscope.recordOptics(db, row.insertId, cameraInstrumentId) };
  }

  /** The TEM (with its Cs), the exposure preset (with its dose) and the pixel-size calibration of the session. */
  private static async recordOptics(db: Db, sessionId: number, cameraInstrumentId: number): Promise<{ temId: number; presetId: number }> {
    const o = SIMULATED_OPTICS;
    const [tem] = await db.query<ResultSetHeader>('INSERT INTO `InstrumentData` (`name`, `hostname`, `description`, `cs`) VALUES (?, ?, ?, ?)', [
      'SimKrios',
      'simulated-tem',
      'simulated Titan Krios',
      o.csMetres,
    ]);
    await db.query(
      'INSERT INTO `PixelSizeCalibrationData` (`REF|SessionData|session`, `REF|InstrumentData|tem`, `REF|InstrumentData|ccdcamera`, `magnification`, `high tension`, `pixelsize`) VALUES (?, ?, ?, ?, ?, ?)',
      [sessionId, tem.insertId, cameraInstrumentId, o.magnification, o.highTensionVolts, o.pixelMetres],
    );
    const [preset] = await db.query<ResultSetHeader>(
      'INSERT INTO `PresetData` (`REF|SessionData|session`, `name`, `magnification`, `exposure time`, `dose`, `frame time`) VALUES (?, ?, ?, ?, ?, ?)',
      [sessionId, 'en', o.magnification, o.exposureTimeMs, o.doseElectronsPerSquareMetre, o.frameTimeMs],
    );
    return { temId: tem.insertId, presetId: preset.insertId };
  }

  /** Takes one exposure: the movie file appears and grows, then Leginon records the image. */
  async acquire(options: AcquireOptions): Promise<AcquiredMovie> {
    this.counter++;
    const framesName = options.framesName ?? gatanFramesName(new Date(), this.counter);
    const imageFilename = options.imageFilename ?? `${this.options.session.name}_${pad(this.counter, 5)}hln_${pad(this.counter, 5)}esn`;
    const drifting = options.drift && (await this.writeDriftMovie(framesName, options));
    const cameraFile = drifting?.file ?? (await this.writeMovie(framesName, options));
    const frames = drifting?.shifts.length ?? 40;
    const rowDelayMs = options.rowDelayMs === undefined ? 0 : options.rowDelayMs;
    const rowsInserted =
      rowDelayMs === null
        ? new Promise<void>(() => undefined)
        : new Promise<void>((resolve) => setTimeout(resolve, rowDelayMs)).then(() =>
            this.recordImage(framesName, imageFilename, { imageClass: options.imageClass, frames }),
          );
    if (drifting) await this.logTruth({ ...drifting.truth, framesName, imageFilename });
    return { framesName, cameraFile, imageFilename, rowsInserted, shifts: drifting?.shifts, truth: drifting && { ...drifting.truth, framesName, imageFilename } };
  }

  /** The simulator's truth log, beside the camera share (the buffer server never reads it). */
  get truthLog(): string {
    return `${this.options.cameraRoot.replace(/\/+$/, '')}.truth.jsonl`;
  }

  private async logTruth(truth: ExposureTruth): Promise<void> {
    await appendFile(this.truthLog, `${JSON.stringify(truth)}\n`);
  }

  /**
   * A real frame stack with a known drift and CTF, written to a temporary name and renamed when complete: the
   * session's optics and dose (the same the Leginon rows say), counted by the camera's pixels.
   */
  private async writeDriftMovie(
    framesName: string,
    options: AcquireOptions,
  ): Promise<{ file: string; shifts: { x: number; y: number }[]; truth: Omit<ExposureTruth, 'framesName' | 'imageFilename'> }> {
    const format = options.format ?? 'tif';
    if (format !== 'tif' && format !== 'mrc' && format !== 'falcon') throw new Error(`drift movies are tif, mrc or falcon, not ${format}`);
    const size = options.drift!.size ?? 256;
    const frames = options.drift!.frames ?? 16;
    const optics = SIMULATED_SPECIMEN_OPTICS;
    const dosePerFrame = SIMULATED_OPTICS.doseElectronsPerSquareMetre / 1e20 / frames;
    const sensitivity = this.frameSensitivity?.length === size * size ? this.frameSensitivity : undefined;
    const movie = await renderDriftMovie({
      width: size,
      height: size,
      frames,
      drift: options.drift!,
      electronsPerPixel: dosePerFrame * optics.pixelSize ** 2,
      optics,
      ctf: options.ctf && (format === 'tif' ? { ...options.ctf, azimuth: mirroredAxis(options.ctf.azimuth) } : options.ctf),
      sensitivity,
      seed: this.sessionId * 100_003 + this.counter,
    }, format === 'tif' ? 'tif' : 'mrc');
    const file = path.join(this.options.cameraRoot, `${framesName}.${format === 'falcon' ? 'mrcs' : format}`);
    await writeFile(`${file}.part`, movie.bytes);
    await rename(`${file}.part`, file);
    if (format === 'falcon') await this.writeFalconSidecar(framesName);
    // TIFF stores rows top-down and MRC bottom-up: the same rows show the motion (and the astigmatism) mirrored in y.
    const mirrored = format === 'tif';
    const shifts = mirrored ? movie.shifts.map(({ x, y }) => ({ x, y: -y })) : movie.shifts;
    const ctf = mirrored ? { ...movie.ctf, azimuth: mirroredAxis(movie.ctf.azimuth) } : movie.ctf;
    const drift = totalDrift(shifts.map((shift, i) => ({ frame: i + 1, ...shift })));
    return { file, shifts, truth: { format, ctf, totalDrift: drift, shifts, dosePerFrame, optics } };
  }

  private async writeMovie(framesName: string, options: AcquireOptions): Promise<string> {
    const root = this.options.cameraRoot;
    const format = options.format ?? 'tif';
    const writeMs = options.writeMs ?? 0;
    if (format === 'de') {
      const folder = path.join(root, framesName);
      await mkdir(folder, { recursive: true });
      const frames = options.deFrames ?? 3;
      for (let frame = 1; frame <= frames; frame++) {
        const file = path.join(folder, `frames_${pad(frame, Math.max(4, String(frames).length))}.mrc`);
        await writeGrowingFile(file, Math.ceil(options.bytes / frames), writeMs / frames, this.counter * 10 + frame);
      }
      await writeFile(path.join(folder, DE_INFO_FILE), `Dataset Name = ${framesName}\nFrames Per Second = 40\n`);
      return folder;
    }
    const extension = format === 'falcon' ? 'mrcs' : format;
    const file = path.join(root, `${framesName}.${extension}`);
    await writeGrowingFile(file, options.bytes, writeMs, this.counter);
    if (format === 'falcon') await this.writeFalconSidecar(framesName);
    return file;
  }

  private async writeFalconSidecar(framesName: string): Promise<void> {
    const xml = `<MicroscopeImage><uniqueID>${framesName}</uniqueID></MicroscopeImage>\n`;
    await writeFile(path.join(this.options.cameraRoot, `${framesName}.xml`), xml);
  }

  /**
   * The rows Leginon writes for one exposure: the camera record with its frames name, and the image (an
   * acquisition, or a dark/bright/norm reference; `alignFrames` marks Leginon's aligned re-save).
   */
  async recordImage(
    framesName: string,
    imageFilename: string,
    {
      imageClass = 'AcquisitionImageData',
      alignFrames = false,
      frames = 40,
      saveFrames = true,
    }: { imageClass?: ImageClass; alignFrames?: boolean; frames?: number; saveFrames?: boolean } = {},
  ): Promise<void> {
    const references = imageClass === 'AcquisitionImageData' ? this.references : undefined;
    const o = SIMULATED_OPTICS;
    const [camera] = await this.db.query<ResultSetHeader>(
      'INSERT INTO `CameraEMData` (`REF|SessionData|session`, `REF|InstrumentData|ccdcamera`, `frames name`, `save frames`, `align frames`, `nframes`, `frame flip`, `frame rotate`, `SUBD|dimension|x`, `SUBD|dimension|y`, `SUBD|binning|x`, `SUBD|binning|y`, `exposure time`, `frame time`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        this.sessionId, this.cameraInstrumentId, framesName, saveFrames ? 1 : 0, alignFrames ? 1 : 0, frames, references?.flip ? 1 : 0, references?.rotate ?? 0,
        this.imageSize.width, this.imageSize.height, o.binning, o.binning, o.exposureTimeMs, o.exposureTimeMs / frames,
      ],
    );
    const [scope] = await this.db.query<ResultSetHeader>(
      'INSERT INTO `ScopeEMData` (`REF|SessionData|session`, `REF|InstrumentData|tem`, `magnification`, `high tension`, `defocus`) VALUES (?, ?, ?, ?, ?)',
      [this.sessionId, this.optics.temId, o.magnification, o.highTensionVolts, -1.5e-6],
    );
    const acquisition = imageClass === 'AcquisitionImageData';
    const [image] = await this.db.query<ResultSetHeader>(
      acquisition
        ? 'INSERT INTO `AcquisitionImageData` (`REF|SessionData|session`, `REF|CameraEMData|camera`, `filename`, `label`, `REF|ScopeEMData|scope`, `REF|PresetData|preset`) VALUES (?, ?, ?, \'simulated\', ?, ?)'
        : `INSERT INTO \`${imageClass}\` (\`REF|SessionData|session\`, \`REF|CameraEMData|camera\`, \`filename\`, \`label\`) VALUES (?, ?, ?, 'simulated')`,
      [this.sessionId, camera.insertId, imageFilename, ...(acquisition ? [scope.insertId, this.optics.presetId] : [])],
    );
    if (references) {
      await this.db.query(
        'UPDATE `AcquisitionImageData` SET `REF|NormImageData|norm` = ?, `REF|DarkImageData|dark` = ?, `REF|CorrectorPlanData|corrector plan` = ? WHERE `DEF_id` = ?',
        [references.normId, references.darkId, references.planId, image.insertId],
      );
    }
  }

  /**
   * Takes a gain (norm) and a dark reference, as Leginon's corrector does: MRC images in the session's image
   * path with their rows; later exposures use them, with frames saved flipped/rotated as given.
   */
  async recordReferences(options: {
    flip: boolean;
    rotate: number;
    darkFrames: number;
    /** Frame-sized references this many pixels square, for drift movies: the norm undoes the camera's fixed pattern (src/simulator/gain.ts), the dark is 0; default: tiny, with a gradient. */
    flatSize?: number;
    /** How the frames are really saved, when not as the camera record says (a camera PC set up otherwise). */
    savedAs?: { flip: boolean; rotate: number };
    /** A camera column that went bad (counting 1.5x) after the norm reference was taken. */
    badColumnSince?: number;
  }): Promise<{ norm: string; dark: string; planId: number }> {
    const names = { norm: `${this.options.session.name}_ref_norm_0`, dark: `${this.options.session.name}_ref_dark_0` };
    await mkdir(this.options.session.imagePath, { recursive: true });
    if (options.flatSize) this.imageSize = { width: options.flatSize, height: options.flatSize };
    const { width, height } = this.imageSize;
    const pixels = (base: number) =>
      Float32Array.from({ length: width * height }, (_, i) => (options.flatSize ? (base === 1 ? 1 : 0) : base + i));
    // Frame-sized references carry the camera's fixed pattern: the frames are counted through it, the norm undoes it.
    const sensitivity = options.flatSize ? cameraSensitivity(width, height, seededRandom(this.sessionId)) : undefined;
    const norm = sensitivity ? sensitivity.map((s) => 1 / s) : pixels(1);
    const counting = sensitivity?.map((s, i) => (i % width === options.badColumnSince ? s * 1.5 : s));
    this.frameSensitivity = counting && orientReference({ width, height, pixels: counting }, options.savedAs ?? options).pixels;
    await writeFile(path.join(this.options.session.imagePath, `${names.norm}.mrc`), encodeMrc({ width, height, pixels: norm }));
    await writeFile(path.join(this.options.session.imagePath, `${names.dark}.mrc`), encodeMrc({ width, height, pixels: pixels(100) }));
    // sinedon stores sequences as Python reprs.
    const [plan] = await this.db.query<ResultSetHeader>(
      'INSERT INTO `CorrectorPlanData` (`REF|SessionData|session`, `SEQ|bad_cols`, `SEQ|bad_rows`, `SEQ|bad_pixels`) VALUES (?, ?, ?, ?)',
      [this.sessionId, '(5,)', '[1]', '[(2, 0)]'],
    );
    const ids: number[] = [];
    for (const [table, filename, nframes] of [['NormImageData', names.norm, 1], ['DarkImageData', names.dark, options.darkFrames]] as const) {
      const [camera] = await this.db.query<ResultSetHeader>(
        'INSERT INTO `CameraEMData` (`REF|SessionData|session`, `REF|InstrumentData|ccdcamera`, `nframes`) VALUES (?, ?, ?)',
        [this.sessionId, this.cameraInstrumentId, nframes],
      );
      const [row] = await this.db.query<ResultSetHeader>(
        `INSERT INTO \`${table}\` (\`REF|SessionData|session\`, \`REF|CameraEMData|camera\`, \`filename\`) VALUES (?, ?, ?)`,
        [this.sessionId, camera.insertId, filename],
      );
      ids.push(row.insertId);
    }
    this.references = { normId: ids[0]!, darkId: ids[1]!, planId: plan.insertId, flip: options.flip, rotate: options.rotate };
    return { ...names, planId: plan.insertId };
  }
}

/** Writes `bytes` of pseudo-random content in steps spread over `writeMs`, as a camera streams frames. */
export async function writeGrowingFile(file: string, bytes: number, writeMs: number, seed: number): Promise<void> {
  // No larger than the file: a DE folder of 100,000 small frames would otherwise fill 100,000 MiB of noise.
  const block = Buffer.alloc(Math.min(1024 * 1024, Math.ceil(Math.max(bytes, 4) / 4) * 4));
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < block.length; i += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    block.writeUInt32LE(state >>> 0, i);
  }
  // A step every 100 ms, as a camera appends frames; a watcher must not take the file before the last one.
  const steps = writeMs > 0 ? Math.ceil(writeMs / 100) : 1;
  const perStep = Math.ceil(bytes / steps);
  const handle = await open(file, 'w');
  try {
    let written = 0;
    for (let step = 0; step < steps && written < bytes; step++) {
      const stepEnd = Math.min(bytes, written + perStep);
      while (written < stepEnd) {
        const n = Math.min(block.length, stepEnd - written);
        // Vary each block so no two blocks (or movies) are identical.
        block.writeUInt32LE(written >>> 0, 0);
        await handle.write(block, 0, n, written);
        written += n;
      }
      if (writeMs > 0) await new Promise((r) => setTimeout(r, writeMs / steps));
    }
  } finally {
    await handle.close();
  }
}
