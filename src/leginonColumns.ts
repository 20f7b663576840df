/**
 * Which of Leginon's tables and columns this leginondb has. Sinedon adds a column only when a Leginon that knows
 * the field first inserts a row (`SessionData.uid/gid` and `BufferHostData.append full head` arrived in 2022) and
 * creates a table only when first used, and Leginon reads `SELECT alias.*`: a missing column is None to it and a
 * missing table is no rows. The server reads the same way: statements are built from what exists, learnt from
 * information_schema once per pool and again after an "unknown column" or "no such table" error.
 */
import type mysql from 'mysql2/promise';

export class LeginonColumns {
  constructor(private readonly tables: ReadonlyMap<string, ReadonlySet<string>>) {}

  hasTable(table: string): boolean {
    return this.tables.has(table);
  }

  has(table: string, column: string): boolean {
    return this.tables.get(table)?.has(column) ?? false;
  }

  /** `alias`.`column`, or NULL where this database lacks the column (or the table). */
  column(alias: string, table: string, column: string): string {
    return this.has(table, column) ? `${alias}.\`${column}\`` : 'NULL';
  }
}

/** Both mean the database changed under a statement built from what it had: learn it again, ask again. */
const SCHEMA_CHANGED = new Set([1054 /* ER_BAD_FIELD_ERROR */, 1146 /* ER_NO_SUCH_TABLE */]);

const known = new WeakMap<mysql.Pool, Promise<LeginonColumns>>();

async function learn(db: mysql.Pool): Promise<LeginonColumns> {
  const [rows] = await db.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_NAME AS tableName, COLUMN_NAME AS columnName FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()',
  );
  const tables = new Map<string, Set<string>>();
  for (const row of rows) {
    const table = String(row.tableName);
    if (!tables.has(table)) tables.set(table, new Set());
    tables.get(table)!.add(String(row.columnName));
  }
  return new LeginonColumns(tables);
}

function columnsOf(db: mysql.Pool): Promise<LeginonColumns> {
  let columns = known.get(db);
  if (!columns) {
    columns = learn(db);
    // A failed look-up is not remembered: the next statement asks again.
    columns.catch(() => known.delete(db));
    known.set(db, columns);
  }
  return columns;
}

/** Runs a read or write built from this database's columns; once more, with them learnt again, if they changed. */
export async function withLeginonColumns<T>(db: mysql.Pool, run: (columns: LeginonColumns) => Promise<T>): Promise<T> {
  try {
    return await run(await columnsOf(db));
  } catch (error) {
    if (!SCHEMA_CHANGED.has((error as { errno?: number }).errno ?? 0)) throw error;
    known.delete(db);
    return run(await columnsOf(db));
  }
}
