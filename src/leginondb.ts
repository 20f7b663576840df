/**
 * Every SQL statement the buffer server runs against leginondb, in one place. Table and column names are
 * Leginon's (sinedon style: spaces, `REF|Class|key`), so they are always backtick-quoted.
 * Only BufferFramePathData is ever written, exactly as Leginon's own ddinfo.py does.
 */
import type { ImagingRows } from './preprocess/imaging.js';
import mysql from 'mysql2/promise';

export const IMAGE_CLASSES = ['AcquisitionImageData', 'DarkImageData', 'BrightImageData', 'NormImageData'] as const;
export type ImageClass = (typeof IMAGE_CLASSES)[number];

export interface ImageMatch {
  imageClass: ImageClass;
  imageId: number;
  filename: string;
  alignFrames: boolean;
  cameraInstrumentId: number;
  session: SessionRow;
}

export interface SessionRow {
  id: number;
  name: string;
  imagePath: string | null;
  framePath: string | null;
  uid: number | null;
  gid: number | null;
}

export interface BufferHostRow {
  id: number;
  bufferHostname: string;
  basePath: string;
  appendFullHead: boolean;
}

export type Db = mysql.Pool;

export function openLeginonDb(url: string): Db {
  return mysql.createPool({
    uri: url,
    connectionLimit: 4,
    connectTimeout: 10_000,
    // Leginon's tables are latin1; names are compared byte for byte as rawtransfer does.
    charset: 'utf8mb4',
    dateStrings: true,
  });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST']);

/**
 * Turns "cannot reach the database" into a message an operator reads at a glance in `bufferctl status` and the
 * Web UI; the step is retried, and no decision (e.g. "this movie has no row") is taken without the database.
 */
export function explainUnreachable(url: string): (error: unknown) => never {
  return (error) => {
    const code = (error as { code?: string } | undefined)?.code;
    if (code && UNREACHABLE.has(code)) {
      throw new Error(`leginondb at ${new URL(url).host} is unreachable (${code}); waiting for it, nothing is decided without it`);
    }
    throw error;
  };
}

const imageQuery = (imageClass: ImageClass) => `
  SELECT '${imageClass}' AS imageClass, img.\`DEF_id\` AS imageId, img.\`filename\` AS filename,
         cam.\`align frames\` AS alignFrames, inst.\`DEF_id\` AS cameraInstrumentId,
         s.\`DEF_id\` AS sessionId, s.\`name\` AS sessionName, s.\`image path\` AS imagePath,
         s.\`frame path\` AS framePath, s.\`uid\` AS uid, s.\`gid\` AS gid
    FROM \`CameraEMData\` cam
    JOIN \`InstrumentData\` inst ON inst.\`DEF_id\` = cam.\`REF|InstrumentData|ccdcamera\`
    JOIN \`${imageClass}\` img ON img.\`REF|CameraEMData|camera\` = cam.\`DEF_id\`
    JOIN \`SessionData\` s ON s.\`DEF_id\` = img.\`REF|SessionData|session\`
   WHERE cam.\`frames name\` = ? AND inst.\`hostname\` = ?
     AND cam.\`DEF_timestamp\` >= NOW() - INTERVAL ? SECOND`;

/**
 * Images whose camera record carries this `frames name` and whose camera is on this host, within the look-back
 * window, in rawtransfer's class order (acquisition, dark, bright, norm), oldest first within a class.
 */
export async function findImagesByFramesName(
  db: Db,
  framesName: string,
  cameraHost: string,
  lookBackDays: number,
): Promise<ImageMatch[]> {
  const seconds = Math.round(lookBackDays * 86400);
  const sql = IMAGE_CLASSES.map((c) => `(${imageQuery(c)} ORDER BY img.\`DEF_id\`)`).join(' UNION ALL ');
  const params = IMAGE_CLASSES.flatMap(() => [framesName, cameraHost, seconds]);
  const [rows] = await db.query<mysql.RowDataPacket[]>(sql, params);
  return rows.map((row) => ({
    imageClass: row.imageClass as ImageClass,
    imageId: Number(row.imageId),
    filename: String(row.filename ?? ''),
    alignFrames: Boolean(row.alignFrames),
    cameraInstrumentId: Number(row.cameraInstrumentId),
    session: {
      id: Number(row.sessionId),
      name: String(row.sessionName ?? ''),
      imagePath: row.imagePath ?? null,
      framePath: row.framePath ?? null,
      uid: row.uid ?? null,
      gid: row.gid ?? null,
    },
  }));
}

/** The enabled BufferHostData row of a camera instrument, newest first (ddinfo takes the camera's row). */
export async function findEnabledBufferHost(db: Db, cameraInstrumentId: number): Promise<BufferHostRow | undefined> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT \`DEF_id\` AS id, \`buffer hostname\` AS bufferHostname, \`buffer base path\` AS basePath,
            \`append full head\` AS appendFullHead
       FROM \`BufferHostData\`
      WHERE \`REF|InstrumentData|ccdcamera\` = ? AND NOT COALESCE(\`disabled\`, 0)
      ORDER BY \`DEF_id\` DESC LIMIT 1`,
    [cameraInstrumentId],
  );
  const row = rows[0];
  return row
    ? { id: Number(row.id), bufferHostname: String(row.bufferHostname ?? ''), basePath: String(row.basePath ?? ''), appendFullHead: Boolean(row.appendFullHead) }
    : undefined;
}

export async function findBufferFramePath(db: Db, sessionId: number, bufferHostId: number): Promise<string | undefined> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT \`buffer frame path\` AS path FROM \`BufferFramePathData\`
      WHERE \`REF|SessionData|session\` = ? AND \`REF|BufferHostData|host\` = ?
      ORDER BY \`DEF_id\` DESC LIMIT 1`,
    [sessionId, bufferHostId],
  );
  return rows[0]?.path ?? undefined;
}

export async function insertBufferFramePath(db: Db, sessionId: number, bufferHostId: number, framePath: string): Promise<void> {
  await db.query(
    'INSERT INTO `BufferFramePathData` (`REF|SessionData|session`, `REF|BufferHostData|host`, `buffer frame path`) VALUES (?, ?, ?)',
    [sessionId, bufferHostId, framePath],
  );
}

/** One camera's BufferHostData row with the camera's names, for `bufferctl buffer-host show`. */
export interface BufferHostAssignment {
  id: number;
  cameraInstrumentId: number;
  cameraName: string;
  cameraHostname: string;
  bufferHostname: string;
  basePath: string;
  disabled: boolean;
  appendFullHead: boolean;
}

export async function findCameraInstruments(db: Db, hostname: string): Promise<{ id: number; name: string }[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    'SELECT `DEF_id` AS id, `name` FROM `InstrumentData` WHERE `hostname` = ? ORDER BY `DEF_id`',
    [hostname],
  );
  return rows.map((r) => ({ id: Number(r.id), name: String(r.name ?? '') }));
}

export async function listBufferHostAssignments(db: Db, cameraHostname?: string): Promise<BufferHostAssignment[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT b.\`DEF_id\` AS id, b.\`REF|InstrumentData|ccdcamera\` AS cameraInstrumentId, i.\`name\` AS cameraName,
            i.\`hostname\` AS cameraHostname, b.\`buffer hostname\` AS bufferHostname, b.\`buffer base path\` AS basePath,
            b.\`disabled\` AS disabled, b.\`append full head\` AS appendFullHead
       FROM \`BufferHostData\` b
       JOIN \`InstrumentData\` i ON i.\`DEF_id\` = b.\`REF|InstrumentData|ccdcamera\`
      WHERE ? IS NULL OR i.\`hostname\` = ?
      ORDER BY b.\`DEF_id\``,
    [cameraHostname ?? null, cameraHostname ?? null],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    cameraInstrumentId: Number(r.cameraInstrumentId),
    cameraName: String(r.cameraName ?? ''),
    cameraHostname: String(r.cameraHostname ?? ''),
    bufferHostname: String(r.bufferHostname ?? ''),
    basePath: String(r.basePath ?? ''),
    disabled: Boolean(r.disabled),
    appendFullHead: Boolean(r.appendFullHead),
  }));
}

export async function insertBufferHost(
  db: Db,
  row: { cameraInstrumentId: number; bufferHostname: string; basePath: string; appendFullHead: boolean },
): Promise<void> {
  await db.query(
    'INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`, `append full head`) VALUES (?, ?, ?, 0, ?)',
    [row.cameraInstrumentId, row.bufferHostname, row.basePath, row.appendFullHead ? 1 : 0],
  );
}

/** The only columns buffer_host_setup.py changes on an existing row. */
export async function updateBufferHost(
  db: Db,
  id: number,
  values: { basePath: string; disabled: boolean; appendFullHead: boolean },
): Promise<void> {
  await db.query(
    'UPDATE `BufferHostData` SET `buffer base path` = ?, `disabled` = ?, `append full head` = ? WHERE `DEF_id` = ?',
    [values.basePath, values.disabled ? 1 : 0, values.appendFullHead ? 1 : 0, id],
  );
}

export interface ReferenceRow {
  filename: string;
  /** The reference's session `image path`: the reference image is `<image path>/<filename>.mrc`. */
  imagePath: string | null;
  /** Frames summed into the reference (a dark is scaled by it). */
  nframes: number | null;
}

export interface MovieReferences {
  flip: boolean;
  rotate: number;
  /** The camera image's size (CameraEMData `SUBD|dimension`), which a defect plan's coordinates refer to. */
  width: number;
  height: number;
  norm?: ReferenceRow;
  dark?: ReferenceRow;
  plan?: { id: number; columns: string | null; rows: string | null; pixels: string | null };
}

async function findReference(db: Db, table: 'NormImageData' | 'DarkImageData', id: number | null): Promise<ReferenceRow | undefined> {
  if (!id) return undefined;
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT r.\`filename\` AS filename, s.\`image path\` AS imagePath, c.\`nframes\` AS nframes
       FROM \`${table}\` r
       LEFT JOIN \`SessionData\` s ON s.\`DEF_id\` = r.\`REF|SessionData|session\`
       LEFT JOIN \`CameraEMData\` c ON c.\`DEF_id\` = r.\`REF|CameraEMData|camera\`
      WHERE r.\`DEF_id\` = ?`,
    [id],
  );
  const row = rows[0];
  return row ? { filename: String(row.filename ?? ''), imagePath: row.imagePath ?? null, nframes: row.nframes ?? null } : undefined;
}

/** The norm and dark references an acquisition was taken with, and how its frames were flipped and rotated. */
export async function findMovieReferences(db: Db, imageId: number): Promise<MovieReferences | undefined> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT cam.\`frame flip\` AS flip, cam.\`frame rotate\` AS rotate,
            cam.\`SUBD|dimension|x\` AS width, cam.\`SUBD|dimension|y\` AS height,
            img.\`REF|NormImageData|norm\` AS normId, img.\`REF|DarkImageData|dark\` AS darkId,
            plan.\`DEF_id\` AS planId, plan.\`SEQ|bad_cols\` AS badColumns, plan.\`SEQ|bad_rows\` AS badRows,
            plan.\`SEQ|bad_pixels\` AS badPixels
       FROM \`AcquisitionImageData\` img
       JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
       LEFT JOIN \`CorrectorPlanData\` plan ON plan.\`DEF_id\` = img.\`REF|CorrectorPlanData|corrector plan\`
      WHERE img.\`DEF_id\` = ?`,
    [imageId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    flip: Boolean(row.flip),
    rotate: Number(row.rotate ?? 0),
    width: Number(row.width ?? 0),
    height: Number(row.height ?? 0),
    plan: row.planId ? { id: Number(row.planId), columns: row.badColumns, rows: row.badRows, pixels: row.badPixels } : undefined,
    norm: await findReference(db, 'NormImageData', row.normId ?? null),
    dark: await findReference(db, 'DarkImageData', row.darkId ?? null),
  };
}

/**
 * The rows pre-processing derives its imaging parameters from (see preprocess/imaging.ts): the image's scope
 * (kV, magnification, TEM and its Cs), camera (binning, frame and exposure time), preset (dose), and the newest
 * pixel-size calibration for (TEM, camera, magnification), as Leginon's attachPixelSize picks it.
 */
export async function findImagingRows(db: Db, imageId: number): Promise<ImagingRows | undefined> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT scope.\`high tension\` AS highTension, tem.\`cs\` AS cs, scope.\`magnification\` AS magnification,
            cam.\`SUBD|binning|x\` AS binning, cam.\`exposure time\` AS exposureTime, cam.\`frame time\` AS frameTime,
            cam.\`nframes\` AS nframes, preset.\`dose\` AS dose,
            (SELECT cal.\`pixelsize\` FROM \`PixelSizeCalibrationData\` cal
              WHERE cal.\`REF|InstrumentData|tem\` = scope.\`REF|InstrumentData|tem\`
                AND cal.\`REF|InstrumentData|ccdcamera\` = cam.\`REF|InstrumentData|ccdcamera\`
                AND cal.\`magnification\` = scope.\`magnification\`
              ORDER BY cal.\`DEF_id\` DESC LIMIT 1) AS pixelsize
       FROM \`AcquisitionImageData\` img
       JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
       LEFT JOIN \`ScopeEMData\` scope ON scope.\`DEF_id\` = img.\`REF|ScopeEMData|scope\`
       LEFT JOIN \`InstrumentData\` tem ON tem.\`DEF_id\` = scope.\`REF|InstrumentData|tem\`
       LEFT JOIN \`PresetData\` preset ON preset.\`DEF_id\` = img.\`REF|PresetData|preset\`
      WHERE img.\`DEF_id\` = ?`,
    [imageId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    highTensionVolts: number(row.highTension),
    csMetres: number(row.cs),
    calibratedPixelMetres: number(row.pixelsize),
    binning: number(row.binning),
    presetDose: number(row.dose),
    exposureTimeMs: number(row.exposureTime),
    frameTimeMs: number(row.frameTime),
    nframes: number(row.nframes),
    magnification: number(row.magnification),
  };
}

export interface SessionFrameImage {
  imageClass: ImageClass;
  filename: string;
  framesName: string;
  cameraHost: string;
}

/** Every image of a session whose frames were saved (not aligned re-saves): the movies the session should have. */
export async function findSessionFrameImages(db: Db, sessionName: string): Promise<SessionFrameImage[]> {
  const sql = IMAGE_CLASSES.map(
    (imageClass) => `SELECT '${imageClass}' AS imageClass, img.\`filename\` AS filename, cam.\`frames name\` AS framesName, inst.\`hostname\` AS cameraHost
       FROM \`${imageClass}\` img
       JOIN \`SessionData\` s ON s.\`DEF_id\` = img.\`REF|SessionData|session\`
       JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
       JOIN \`InstrumentData\` inst ON inst.\`DEF_id\` = cam.\`REF|InstrumentData|ccdcamera\`
      WHERE s.\`name\` = ? AND cam.\`frames name\` IS NOT NULL AND cam.\`frames name\` <> '' AND NOT cam.\`align frames\``,
  ).join(' UNION ALL ');
  const [rows] = await db.query<mysql.RowDataPacket[]>(sql, IMAGE_CLASSES.map(() => sessionName));
  return rows.map((row) => ({
    imageClass: row.imageClass as ImageClass,
    filename: String(row.filename ?? ''),
    framesName: String(row.framesName),
    cameraHost: String(row.cameraHost ?? ''),
  }));
}
