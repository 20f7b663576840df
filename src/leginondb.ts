/**
 * Every SQL statement the buffer server runs against leginondb, in one place. Table and column names are
 * Leginon's (sinedon style: spaces, `REF|Class|key`), so they are always backtick-quoted.
 * Statements are built from the columns this leginondb has (src/leginonColumns.ts): a database older than a
 * column reads it as NULL and has no rows in a table it lacks, as Leginon's `SELECT alias.*` does. Written are
 * only BufferFramePathData, DDinfoValueData (as Leginon's ddinfo.py does) and, by `bufferctl buffer-host`,
 * BufferHostData (as buffer_host_setup.py does).
 */
import type { ImagingRows } from './preprocess/imaging.js';
import mysql from 'mysql2/promise';
import { withLeginonColumns, type LeginonColumns } from './leginonColumns.js';

import { IMAGE_CLASSES, type ImageClass } from './imageClasses.js';

export { IMAGE_CLASSES, type ImageClass };

export interface ImageMatch {
  imageClass: ImageClass;
  imageId: number;
  filename: string;
  alignFrames: boolean;
  /** CameraEMData `save frames`: only such exposures have movies (others repeat the camera's previous name). */
  saveFrames: boolean;
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
  disabled: boolean;
  appendFullHead: boolean;
}

export type Db = mysql.Pool;

/** Connections each process keeps to leginondb; also the lookup queue's slots (workers/io.ts). */
export const LEGINONDB_CONNECTIONS = 4;

export function openLeginonDb(url: string): Db {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: LEGINONDB_CONNECTIONS,
    connectTimeout: 10_000,
    // Leginon's tables are latin1; names are compared byte for byte as rawtransfer does.
    charset: 'utf8mb4',
    dateStrings: true,
  });
  // Look-back windows and "stamped since" moments are the database's own clock, in UTC: no daylight-saving hour
  // repeats itself in them. (DEF_timestamp is a TIMESTAMP: stored in UTC, shown in the session's time zone.)
  pool.pool.on('connection', (connection) => connection.query("SET time_zone = '+00:00'"));
  return pool;
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

/** Enough for any real frames name (a handful of images at most); a bound MariaDB keeps inside each UNION part. */
const MATCHES_PER_CLASS = 50;

/**
 * One class's images whose camera record carries this `frames name` on this camera host, newest first. The
 * look-back is on the image table's own `DEF_timestamp`, as sinedon's timelimit is, and STRAIGHT_JOIN keeps that
 * range the driving one: production keys nothing but DEF_id, DEF_timestamp and REF| columns, so any other order
 * reads every image of every session.
 */
function imageQuery(columns: LeginonColumns, imageClass: ImageClass): string {
  const c = (alias: string, table: string, column: string) => columns.column(alias, table, column);
  return `(SELECT STRAIGHT_JOIN '${imageClass}' AS imageClass, img.\`DEF_id\` AS imageId, img.\`filename\` AS filename,
         ${c('cam', 'CameraEMData', 'align frames')} AS alignFrames, ${c('cam', 'CameraEMData', 'save frames')} AS saveFrames,
         inst.\`DEF_id\` AS cameraInstrumentId,
         s.\`DEF_id\` AS sessionId, s.\`name\` AS sessionName, s.\`image path\` AS imagePath,
         ${c('s', 'SessionData', 'frame path')} AS framePath, ${c('s', 'SessionData', 'uid')} AS uid, ${c('s', 'SessionData', 'gid')} AS gid
    FROM \`${imageClass}\` img
    JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
    JOIN \`InstrumentData\` inst ON inst.\`DEF_id\` = cam.\`REF|InstrumentData|ccdcamera\`
    JOIN \`SessionData\` s ON s.\`DEF_id\` = img.\`REF|SessionData|session\`
   WHERE img.\`DEF_timestamp\` >= GREATEST(NOW() - INTERVAL ? SECOND, CAST(? AS DATETIME))
     AND img.\`DEF_timestamp\` < NOW() - INTERVAL ? SECOND
     AND cam.\`frames name\` = ? AND inst.\`hostname\` = ?
   ORDER BY img.\`DEF_id\` DESC LIMIT ${MATCHES_PER_CLASS})`;
}

/** rawtransfer's order: class by class (acquisition, dark, bright, norm), newest first within a class. */
export const byLeginonOrder = (a: ImageMatch, b: ImageMatch) =>
  IMAGE_CLASSES.indexOf(a.imageClass) - IMAGE_CLASSES.indexOf(b.imageClass) || b.imageId - a.imageId;

/** Where a lookup looks: the look-back, narrowed to rows stamped since a moment (the database's own clock) if given. */
export interface LookupWindow {
  lookBackDays: number;
  /** Leave out rows stamped within this many days (a narrower band already read). */
  notWithinDays?: number;
  /** `YYYY-MM-DD HH:MM:SS` as the database's NOW() gave it. */
  stampedSince?: string;
}

/**
 * Images whose camera record carries this `frames name` and whose camera is on this host, within the look-back
 * window: in rawtransfer's class order (acquisition, dark, bright, norm), newest first within a class. A class
 * whose table this leginondb does not have yet has no images.
 */
export async function findImagesByFramesName(db: Db, framesName: string, cameraHost: string, window: LookupWindow): Promise<ImageMatch[]> {
  const seconds = Math.round(window.lookBackDays * 86400);
  const since = window.stampedSince ?? '1970-01-01 00:00:00';
  // NOW() - INTERVAL -1 SECOND: no upper bound but the clock (a row stamped in this second is still found).
  const notWithin = window.notWithinDays === undefined ? -1 : Math.round(window.notWithinDays * 86400);
  const rows = await withLeginonColumns(db, async (columns) => {
    if (!['CameraEMData', 'InstrumentData', 'SessionData'].every((table) => columns.hasTable(table))) return [];
    const classes = IMAGE_CLASSES.filter((imageClass) => columns.hasTable(imageClass));
    if (classes.length === 0) return [];
    const sql = classes.map((imageClass) => imageQuery(columns, imageClass)).join(' UNION ALL ');
    const [found] = await db.query<mysql.RowDataPacket[]>(sql, classes.flatMap(() => [seconds, since, notWithin, framesName, cameraHost]));
    return found;
  });
  const matches: ImageMatch[] = rows.map((row) => ({
    imageClass: row.imageClass as ImageClass,
    imageId: Number(row.imageId),
    filename: String(row.filename ?? ''),
    alignFrames: Boolean(row.alignFrames),
    saveFrames: Boolean(row.saveFrames),
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
  // UNION ALL keeps no order across its parts.
  return matches.sort(byLeginonOrder);
}

/**
 * The camera's NEWEST BufferHostData row, whatever its state, as rawtransfer decides "use a buffer": when that
 * row is disabled the movie goes to the frame path, even if an older row (another buffer host) is still enabled.
 */
export async function findNewestBufferHost(db: Db, cameraInstrumentId: number): Promise<BufferHostRow | undefined> {
  const rows = await withLeginonColumns(db, async (columns) => {
    if (!columns.hasTable('BufferHostData')) return [];
    const [found] = await db.query<mysql.RowDataPacket[]>(
      `SELECT \`DEF_id\` AS id, \`buffer hostname\` AS bufferHostname, \`buffer base path\` AS basePath,
              ${columns.column('b', 'BufferHostData', 'disabled')} AS disabled,
              ${columns.column('b', 'BufferHostData', 'append full head')} AS appendFullHead
         FROM \`BufferHostData\` b
        WHERE \`REF|InstrumentData|ccdcamera\` = ?
        ORDER BY \`DEF_id\` DESC LIMIT 1`,
      [cameraInstrumentId],
    );
    return found;
  });
  const row = rows[0];
  return row
    ? {
        id: Number(row.id),
        bufferHostname: String(row.bufferHostname ?? ''),
        basePath: String(row.basePath ?? ''),
        disabled: Boolean(row.disabled),
        appendFullHead: Boolean(row.appendFullHead),
      }
    : undefined;
}

export async function findBufferFramePath(db: Db, sessionId: number, bufferHostId: number): Promise<string | undefined> {
  return withLeginonColumns(db, async (columns) => {
    if (!columns.hasTable('BufferFramePathData')) return undefined;
    const [rows] = await db.query<mysql.RowDataPacket[]>(
      `SELECT \`buffer frame path\` AS path FROM \`BufferFramePathData\`
        WHERE \`REF|SessionData|session\` = ? AND \`REF|BufferHostData|host\` = ?
        ORDER BY \`DEF_id\` DESC LIMIT 1`,
      [sessionId, bufferHostId],
    );
    return rows[0]?.path ?? undefined;
  });
}

/**
 * Records a session's buffer frame path as ddinfo does, so Appion finds the frames. Where this leginondb has no
 * BufferFramePathData table yet, nothing is recorded: the path is built again from the same rows each time (and
 * Appion builds the same one), and the server does not change Leginon's schema. Returns whether it was recorded.
 */
export async function insertBufferFramePath(db: Db, sessionId: number, bufferHostId: number, framePath: string): Promise<boolean> {
  return withLeginonColumns(db, async (columns) => {
    if (!columns.hasTable('BufferFramePathData')) return false;
    await db.query(
      'INSERT INTO `BufferFramePathData` (`REF|SessionData|session`, `REF|BufferHostData|host`, `buffer frame path`) VALUES (?, ?, ?)',
      [sessionId, bufferHostId, framePath],
    );
    return true;
  });
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

/** Newest first: the newest row of a camera is the one rawtransfer and this server read. */
export async function listBufferHostAssignments(db: Db, cameraHostname?: string): Promise<BufferHostAssignment[]> {
  const rows = await withLeginonColumns(db, async (columns) => {
    if (!columns.hasTable('BufferHostData')) return [];
    const [found] = await db.query<mysql.RowDataPacket[]>(
      `SELECT b.\`DEF_id\` AS id, b.\`REF|InstrumentData|ccdcamera\` AS cameraInstrumentId, i.\`name\` AS cameraName,
              i.\`hostname\` AS cameraHostname, b.\`buffer hostname\` AS bufferHostname, b.\`buffer base path\` AS basePath,
              ${columns.column('b', 'BufferHostData', 'disabled')} AS disabled,
              ${columns.column('b', 'BufferHostData', 'append full head')} AS appendFullHead
         FROM \`BufferHostData\` b
         JOIN \`InstrumentData\` i ON i.\`DEF_id\` = b.\`REF|InstrumentData|ccdcamera\`
        WHERE ? IS NULL OR i.\`hostname\` = ?
        ORDER BY b.\`DEF_id\` DESC`,
      [cameraHostname ?? null, cameraHostname ?? null],
    );
    return found;
  });
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

/** What this leginondb's BufferHostData can hold: a table made before 2022 has no `append full head`. */
export async function bufferHostColumns(db: Db): Promise<{ table: boolean; appendFullHead: boolean }> {
  return withLeginonColumns(db, async (columns) => ({
    table: columns.hasTable('BufferHostData'),
    appendFullHead: columns.has('BufferHostData', 'append full head'),
  }));
}

/** Only the columns the table has: an older BufferHostData stores no `append full head` (planBufferHostChange refuses to need one). */
export async function insertBufferHost(
  db: Db,
  row: { cameraInstrumentId: number; bufferHostname: string; basePath: string; appendFullHead: boolean },
): Promise<void> {
  await withLeginonColumns(db, async (columns) => {
    const values: [string, unknown][] = [
      ['REF|InstrumentData|ccdcamera', row.cameraInstrumentId],
      ['buffer hostname', row.bufferHostname],
      ['buffer base path', row.basePath],
      ['disabled', 0],
      ['append full head', row.appendFullHead ? 1 : 0],
    ];
    await insertColumns(db, columns, 'BufferHostData', values);
  });
}

/** The only columns buffer_host_setup.py changes on an existing row. */
export async function updateBufferHost(
  db: Db,
  id: number,
  values: { basePath: string; disabled: boolean; appendFullHead: boolean },
): Promise<void> {
  await withLeginonColumns(db, async (columns) => {
    const set = (
      [
        ['buffer base path', values.basePath],
        ['disabled', values.disabled ? 1 : 0],
        ['append full head', values.appendFullHead ? 1 : 0],
      ] as [string, unknown][]
    ).filter(([column]) => columns.has('BufferHostData', column));
    await db.query(`UPDATE \`BufferHostData\` SET ${set.map(([column]) => `\`${column}\` = ?`).join(', ')} WHERE \`DEF_id\` = ?`, [
      ...set.map(([, value]) => value),
      id,
    ]);
  });
}

/** INSERT of the given values into the columns the table has (sinedon would add the others; the server does not). */
async function insertColumns(db: Db, columns: LeginonColumns, table: string, values: [string, unknown][]): Promise<number> {
  const present = values.filter(([column]) => columns.has(table, column));
  const [result] = await db.query<mysql.ResultSetHeader>(
    `INSERT INTO \`${table}\` (${present.map(([column]) => `\`${column}\``).join(', ')}) VALUES (${present.map(() => '?').join(', ')})`,
    present.map(([, value]) => value),
  );
  return result.insertId;
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
  const rows = await withLeginonColumns(db, async (columns) => {
    if (!columns.hasTable(table)) return [];
    const [found] = await db.query<mysql.RowDataPacket[]>(
      `SELECT r.\`filename\` AS filename, s.\`image path\` AS imagePath, ${columns.column('c', 'CameraEMData', 'nframes')} AS nframes
         FROM \`${table}\` r
         LEFT JOIN \`SessionData\` s ON s.\`DEF_id\` = r.\`REF|SessionData|session\`
         LEFT JOIN \`CameraEMData\` c ON c.\`DEF_id\` = r.\`REF|CameraEMData|camera\`
        WHERE r.\`DEF_id\` = ?`,
      [id],
    );
    return found;
  });
  const row = rows[0];
  return row ? { filename: String(row.filename ?? ''), imagePath: row.imagePath ?? null, nframes: row.nframes ?? null } : undefined;
}

/**
 * The norm and dark references an image was taken with, and how its frames were flipped and rotated. Any image
 * class: a dark or norm reference's own movie gets its `reference_list.txt` line too, as Leginon's copier writes.
 */
export async function findMovieReferences(db: Db, imageClass: ImageClass, imageId: number): Promise<MovieReferences | undefined> {
  const row = await withLeginonColumns(db, async (columns) => {
    const c = (alias: string, table: string, column: string) => columns.column(alias, table, column);
    const withPlan = columns.hasTable('CorrectorPlanData') && columns.has(imageClass, 'REF|CorrectorPlanData|corrector plan');
    const [rows] = await db.query<mysql.RowDataPacket[]>(
      `SELECT ${c('cam', 'CameraEMData', 'frame flip')} AS flip, ${c('cam', 'CameraEMData', 'frame rotate')} AS rotate,
              ${c('cam', 'CameraEMData', 'SUBD|dimension|x')} AS width, ${c('cam', 'CameraEMData', 'SUBD|dimension|y')} AS height,
              ${c('img', imageClass, 'REF|NormImageData|norm')} AS normId, ${c('img', imageClass, 'REF|DarkImageData|dark')} AS darkId,
              ${withPlan ? 'plan.`DEF_id`' : 'NULL'} AS planId, ${withPlan ? c('plan', 'CorrectorPlanData', 'SEQ|bad_cols') : 'NULL'} AS badColumns,
              ${withPlan ? c('plan', 'CorrectorPlanData', 'SEQ|bad_rows') : 'NULL'} AS badRows,
              ${withPlan ? c('plan', 'CorrectorPlanData', 'SEQ|bad_pixels') : 'NULL'} AS badPixels
         FROM \`${imageClass}\` img
         JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
         ${withPlan ? 'LEFT JOIN `CorrectorPlanData` plan ON plan.`DEF_id` = img.`REF|CorrectorPlanData|corrector plan`' : ''}
        WHERE img.\`DEF_id\` = ?`,
      [imageId],
    );
    return rows[0];
  });
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
  const row = await withLeginonColumns(db, async (columns) => {
    const c = (alias: string, table: string, column: string) => columns.column(alias, table, column);
    const [rows] = await db.query<mysql.RowDataPacket[]>(
      `SELECT ${c('scope', 'ScopeEMData', 'high tension')} AS highTension, ${c('tem', 'InstrumentData', 'cs')} AS cs,
              ${c('scope', 'ScopeEMData', 'magnification')} AS magnification, ${c('cam', 'CameraEMData', 'SUBD|binning|x')} AS binning,
              ${c('cam', 'CameraEMData', 'exposure time')} AS exposureTime, ${c('cam', 'CameraEMData', 'frame time')} AS frameTime,
              ${c('cam', 'CameraEMData', 'nframes')} AS nframes, ${c('preset', 'PresetData', 'dose')} AS dose,
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
    return rows[0];
  });
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

/** What a camera records as the frames name of an exposure without dose fractionation (pyscope/dmsem.py). */
export const NO_FRAMES_NAME = 'dummy';

/**
 * Every image of a session that has a movie: `save frames` set, a real frames name (not a K3's `dummy`, and not
 * an aligned re-save). Other gr/sq/hl images repeat the camera's previous frames name but have no movie of their own.
 */
export async function findSessionFrameImages(db: Db, sessionName: string): Promise<SessionFrameImage[]> {
  const rows = await withLeginonColumns(db, async (columns) => {
    const classes = IMAGE_CLASSES.filter((imageClass) => columns.hasTable(imageClass));
    if (classes.length === 0 || !columns.has('CameraEMData', 'save frames')) return [];
    const sql = classes
      .map(
        (imageClass) => `SELECT '${imageClass}' AS imageClass, img.\`filename\` AS filename, cam.\`frames name\` AS framesName, inst.\`hostname\` AS cameraHost
       FROM \`${imageClass}\` img
       JOIN \`SessionData\` s ON s.\`DEF_id\` = img.\`REF|SessionData|session\`
       JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
       JOIN \`InstrumentData\` inst ON inst.\`DEF_id\` = cam.\`REF|InstrumentData|ccdcamera\`
      WHERE s.\`name\` = ? AND cam.\`save frames\` = 1 AND cam.\`frames name\` IS NOT NULL AND cam.\`frames name\` NOT IN ('', ?)
        AND NOT COALESCE(${columns.column('cam', 'CameraEMData', 'align frames')}, 0)`,
      )
      .join(' UNION ALL ');
    const [found] = await db.query<mysql.RowDataPacket[]>(sql, classes.flatMap(() => [sessionName, NO_FRAMES_NAME]));
    return found;
  });
  return rows.map((row) => ({
    imageClass: row.imageClass as ImageClass,
    filename: String(row.filename ?? ''),
    framesName: String(row.framesName),
    cameraHost: String(row.cameraHost ?? ''),
  }));
}

/**
 * Records a DE movie's info.txt entries for its image's camera record, as ddinfo.saveImageDDinfoToDatabase does:
 * one DDinfoKeyData row per key name (reused when it exists) and one DDinfoValueData row per key and camera
 * record (reused when identical, as sinedon's insert reuses an identical row, so a retried step adds nothing).
 * Where this leginondb has no DDinfo tables yet, nothing is recorded (`recorded: false`).
 */
export async function recordDdInfo(
  db: Db,
  imageClass: ImageClass,
  imageId: number,
  entries: { key: string; value: string }[],
): Promise<{ recorded: boolean; cameraId?: number }> {
  return withLeginonColumns(db, async (columns) => {
    if (!columns.hasTable('DDinfoKeyData') || !columns.hasTable('DDinfoValueData')) return { recorded: false };
    const [images] = await db.query<mysql.RowDataPacket[]>(`SELECT \`REF|CameraEMData|camera\` AS cameraId FROM \`${imageClass}\` WHERE \`DEF_id\` = ?`, [imageId]);
    const cameraId = images[0]?.cameraId as number | undefined;
    if (!cameraId) return { recorded: false };
    for (const { key, value } of entries) {
      const [keys] = await db.query<mysql.RowDataPacket[]>('SELECT `DEF_id` AS id FROM `DDinfoKeyData` WHERE `name` = ? ORDER BY `DEF_id` LIMIT 1', [key]);
      const keyId = (keys[0]?.id as number | undefined) ?? (await insertColumns(db, columns, 'DDinfoKeyData', [['name', key]]));
      const [values] = await db.query<mysql.RowDataPacket[]>(
        'SELECT 1 FROM `DDinfoValueData` WHERE `REF|CameraEMData|camera` = ? AND `REF|DDinfoKeyData|infokey` = ? AND `infovalue` = ? LIMIT 1',
        [cameraId, keyId, value],
      );
      if (values.length === 0) {
        await insertColumns(db, columns, 'DDinfoValueData', [
          ['REF|CameraEMData|camera', cameraId],
          ['REF|DDinfoKeyData|infokey', keyId],
          ['infovalue', value],
        ]);
      }
    }
    return { recorded: true, cameraId };
  });
}

/** The database's clock, in the form `stampedSince` takes: lookups narrowed by it never compare two clocks. */
export async function databaseNow(db: Db): Promise<string> {
  const [rows] = await db.query<mysql.RowDataPacket[]>("SELECT DATE_FORMAT(NOW(), '%Y-%m-%d %H:%i:%s') AS now");
  return String(rows[0]!.now);
}
