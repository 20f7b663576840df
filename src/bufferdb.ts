/**
 * The project's own database: pre-processing results, one row per engine run. Leginon's tables are never
 * altered; this lives in a database of its own (config `bufferdb.url`). Migrations run in order, once each,
 * recorded in `schema_migrations`; add new ones at the end and never edit an applied one.
 */
import mysql from 'mysql2/promise';
import type { GainCheck } from './preprocess/gainCheck.js';
import { astigmatism, type CtfResult, type FrameShift, type MotionResult } from './preprocess/results.js';

export type BufferDb = mysql.Pool;

export function openBufferDb(url: string): BufferDb {
  return mysql.createPool({ uri: url, connectionLimit: 4, connectTimeout: 10_000, charset: 'utf8mb4', dateStrings: true });
}

const MIGRATIONS: { version: number; description: string; sql: string }[] = [
  {
    version: 1,
    description: 'preprocess_results',
    sql: `CREATE TABLE preprocess_results (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      workflow_id VARCHAR(512) NOT NULL,
      run INT NOT NULL,
      step ENUM('motion', 'ctf') NOT NULL,
      session VARCHAR(255) NOT NULL,
      image_filename VARCHAR(255) NOT NULL,
      buffer_host VARCHAR(255) NOT NULL,
      engine VARCHAR(32) NOT NULL,
      engine_version VARCHAR(64) NULL,
      gpu INT NULL,
      outcome ENUM('ok', 'failed') NOT NULL,
      error TEXT NULL,
      parameters JSON NOT NULL,
      frame_shifts JSON NULL,
      total_drift_px DOUBLE NULL,
      defocus1_a DOUBLE NULL,
      defocus2_a DOUBLE NULL,
      astigmatism_a DOUBLE NULL,
      azimuth_deg DOUBLE NULL,
      phase_shift_rad DOUBLE NULL,
      cross_correlation DOUBLE NULL,
      ctf_resolution_a DOUBLE NULL COMMENT 'NULL when the fit found no rings (CTFFIND prints inf)',
      timings JSON NOT NULL,
      outputs JSON NOT NULL,
      started_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NOT NULL,
      UNIQUE KEY one_row_per_step (workflow_id, run, step),
      KEY by_session (session, image_filename)
    ) DEFAULT CHARSET=utf8mb4`,
  },
  {
    version: 2,
    description: 'gain_checks',
    sql: `CREATE TABLE gain_checks (
      id BIGINT AUTO_INCREMENT PRIMARY KEY,
      workflow_id VARCHAR(512) NOT NULL,
      session VARCHAR(255) NOT NULL,
      image_filename VARCHAR(255) NOT NULL,
      frames_summed INT NOT NULL,
      configured_flip TINYINT(1) NOT NULL,
      configured_rotate INT NOT NULL,
      best_flip TINYINT(1) NOT NULL,
      best_rotate INT NOT NULL,
      wrong_orientation TINYINT(1) NOT NULL,
      new_defects JSON NOT NULL COMMENT 'columns, rows and hot pixels in the sum that the defect plan lacks',
      verdict TEXT NOT NULL,
      checked_at DATETIME(3) NOT NULL,
      UNIQUE KEY one_check_per_movie (workflow_id),
      KEY by_session (session, checked_at)
    ) DEFAULT CHARSET=utf8mb4`,
  },
];

/** Brings the schema up to date; safe to run from every worker at start (concurrent runs serialise on a lock). */
export async function migrateBufferDb(db: BufferDb): Promise<number[]> {
  const connection = await db.getConnection();
  try {
    await connection.query("SELECT GET_LOCK('cryo_buffer_migrations', 60)");
    await connection.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, description VARCHAR(255) NOT NULL, applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3))',
    );
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const ran: number[] = [];
    for (const migration of MIGRATIONS.filter((m) => !applied.has(m.version))) {
      await connection.query(migration.sql);
      await connection.query('INSERT INTO schema_migrations (version, description) VALUES (?, ?)', [migration.version, migration.description]);
      ran.push(migration.version);
    }
    return ran;
  } finally {
    await connection.query("SELECT RELEASE_LOCK('cryo_buffer_migrations')").catch(() => undefined);
    connection.release();
  }
}

export interface StepRecord {
  workflowId: string;
  run: number;
  step: 'motion' | 'ctf';
  session: string;
  imageFilename: string;
  bufferHost: string;
  engine: string;
  gpu?: number;
  parameters: Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date;
  outputs: Record<string, string>;
  result?: MotionResult | CtfResult;
  error?: string;
}

/** Stores one step's outcome; a retried activity overwrites its own row, never another run's. */
export async function recordStep(db: BufferDb, record: StepRecord): Promise<void> {
  const motion = record.step === 'motion' ? (record.result as MotionResult | undefined) : undefined;
  const ctf = record.step === 'ctf' ? (record.result as CtfResult | undefined) : undefined;
  const finite = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? null : value);
  const row = {
    workflow_id: record.workflowId,
    run: record.run,
    step: record.step,
    session: record.session,
    image_filename: record.imageFilename,
    buffer_host: record.bufferHost,
    engine: record.engine,
    engine_version: record.result?.version ?? null,
    gpu: record.gpu ?? null,
    outcome: record.error ? 'failed' : 'ok',
    error: record.error ?? null,
    parameters: JSON.stringify(record.parameters),
    frame_shifts: motion ? JSON.stringify(motion.shifts) : null,
    total_drift_px: motion?.totalDrift ?? null,
    defocus1_a: ctf?.defocus1 ?? null,
    defocus2_a: ctf?.defocus2 ?? null,
    astigmatism_a: ctf ? astigmatism(ctf) : null,
    azimuth_deg: ctf?.azimuth ?? null,
    phase_shift_rad: ctf?.phaseShift ?? null,
    cross_correlation: ctf?.crossCorrelation ?? null,
    ctf_resolution_a: finite(ctf?.fitResolution),
    timings: JSON.stringify(motion?.timings ?? {}),
    outputs: JSON.stringify(record.outputs),
    started_at: record.startedAt,
    finished_at: record.finishedAt,
  };
  const columns = Object.keys(row);
  await db.query(
    `INSERT INTO preprocess_results (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
     ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
    Object.values(row),
  );
}

export async function findStepRecords(db: BufferDb, workflowId: string): Promise<mysql.RowDataPacket[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT * FROM preprocess_results WHERE workflow_id = ? ORDER BY run, step', [workflowId]);
  return rows;
}

/** A movie's latest pre-processing figures, as the dashboard plots them. */
export interface SessionFigures {
  workflowId: string;
  imageFilename: string;
  motion?: { outcome: 'ok' | 'failed'; totalDriftPx?: number; shifts?: FrameShift[]; finishedAt: string };
  ctf?: { outcome: 'ok' | 'failed'; resolutionA?: number; defocus1A?: number; defocus2A?: number; astigmatismA?: number; finishedAt: string };
}

/** Per movie of the session, the steps of its latest run (reprocessing adds runs; the latest is what counts). */
export async function sessionFigures(db: BufferDb, session: string): Promise<SessionFigures[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT r.workflow_id, r.image_filename, r.step, r.outcome, r.total_drift_px, r.frame_shifts, r.ctf_resolution_a,
            r.defocus1_a, r.defocus2_a, r.astigmatism_a, r.finished_at
       FROM preprocess_results r
       JOIN (SELECT workflow_id, MAX(run) AS run FROM preprocess_results WHERE session = ? GROUP BY workflow_id) latest
         ON latest.workflow_id = r.workflow_id AND latest.run = r.run
      WHERE r.session = ?`,
    [session, session],
  );
  const byMovie = new Map<string, SessionFigures>();
  const orUndefined = (value: unknown) => (value === null || value === undefined ? undefined : Number(value));
  for (const row of rows) {
    const movie: SessionFigures = byMovie.get(row.workflow_id) ?? { workflowId: row.workflow_id, imageFilename: row.image_filename };
    // mysql2 wrote the Date in the server process's local time (its default), so it is read back as local time.
    const finishedAt = new Date(String(row.finished_at).replace(' ', 'T')).toISOString();
    if (row.step === 'motion') {
      const shifts = typeof row.frame_shifts === 'string' ? (JSON.parse(row.frame_shifts) as FrameShift[]) : (row.frame_shifts ?? undefined);
      movie.motion = { outcome: row.outcome, totalDriftPx: orUndefined(row.total_drift_px), shifts, finishedAt };
    } else {
      movie.ctf = {
        outcome: row.outcome,
        resolutionA: orUndefined(row.ctf_resolution_a),
        defocus1A: orUndefined(row.defocus1_a),
        defocus2A: orUndefined(row.defocus2_a),
        astigmatismA: orUndefined(row.astigmatism_a),
        finishedAt,
      };
    }
    byMovie.set(row.workflow_id, movie);
  }
  return [...byMovie.values()];
}

export interface GainCheckRecord {
  workflowId: string;
  session: string;
  imageFilename: string;
  check: GainCheck;
  framesSummed: number;
}

/** Stores one movie's gain check (a retry or a second check of the same movie replaces its row). */
export async function recordGainCheck(db: BufferDb, record: GainCheckRecord): Promise<void> {
  const { check } = record;
  const defects = { columns: check.newBadColumns, rows: check.newBadRows, hotPixels: check.newHotPixels };
  await db.query(
    `REPLACE INTO gain_checks (workflow_id, session, image_filename, frames_summed, configured_flip, configured_rotate, best_flip, best_rotate,
       wrong_orientation, new_defects, verdict, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NOW(3))`,
    [record.workflowId, record.session, record.imageFilename, record.framesSummed, check.configured.flip, check.configured.rotate, check.best.flip, check.best.rotate,
      check.wrongOrientation, JSON.stringify(defects), check.verdict],
  );
}

/** Movies of the session already checked, other than this one. */
export async function gainChecksBefore(db: BufferDb, session: string, workflowId: string): Promise<number> {
  const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM gain_checks WHERE session = ? AND workflow_id <> ?', [session, workflowId]);
  return Number(rows[0]!.n);
}

export interface GainProblem {
  session: string;
  imageFilename: string;
  verdict: string;
  checkedAt: string;
}

/** Per session, its latest gain check when that check found a problem (what the gain alert shows). */
export async function gainProblems(db: BufferDb): Promise<GainProblem[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    `SELECT g.session, g.image_filename, g.verdict, g.checked_at FROM gain_checks g
       JOIN (SELECT session, MAX(id) AS id FROM gain_checks GROUP BY session) latest ON latest.id = g.id
      WHERE g.wrong_orientation = 1 OR JSON_LENGTH(g.new_defects, '$.columns') + JSON_LENGTH(g.new_defects, '$.rows') + JSON_LENGTH(g.new_defects, '$.hotPixels') > 0`,
  );
  return rows.map((r) => ({ session: String(r.session), imageFilename: String(r.image_filename), verdict: String(r.verdict), checkedAt: String(r.checked_at) }));
}

/** A session's gain checks, oldest first. */
export async function sessionGainChecks(db: BufferDb, session: string): Promise<mysql.RowDataPacket[]> {
  const [rows] = await db.query<mysql.RowDataPacket[]>('SELECT * FROM gain_checks WHERE session = ? ORDER BY id', [session]);
  return rows;
}
