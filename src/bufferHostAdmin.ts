/**
 * `bufferctl buffer-host ...`: pairing cameras with a buffer host in leginondb's BufferHostData, as
 * buffer_host_setup.py did, and enabling/disabling the pair (the phpMyAdmin step of the old outage procedure).
 * The decisions are pure (planBufferHostChange); applyBufferHostChange runs them.
 */
import path from 'node:path';
import {
  bufferHostColumns,
  findCameraInstruments,
  insertBufferHost,
  listBufferHostAssignments,
  updateBufferHost,
  type BufferHostAssignment,
  type Db,
} from './leginondb.js';

export type BufferHostRequest =
  | { kind: 'setup'; cameraHost: string; bufferHost: string; basePath: string; appendFullHead: boolean }
  | { kind: 'enable' | 'disable'; cameraHost: string; bufferHost: string };

interface RowValues {
  basePath: string;
  disabled: boolean;
  appendFullHead: boolean;
}

export type BufferHostChange = (
  | { kind: 'insert'; cameraInstrumentId: number; cameraName: string; after: RowValues }
  | { kind: 'update'; id: number; cameraName: string; before: RowValues; after: RowValues }
  | { kind: 'unchanged'; id: number; cameraName: string; values: RowValues }
) & {
  /** Older rows for the same (camera, buffer host): left as they are; only the newest is read by anyone. */
  olderDuplicates?: number[];
};

/** What the database's BufferHostData can hold (bufferHostColumns). */
export interface BufferHostTable {
  table: boolean;
  appendFullHead: boolean;
}

export class BufferHostAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BufferHostAdminError';
  }
}

const valuesOf = (row: BufferHostAssignment): RowValues => ({
  basePath: row.basePath,
  disabled: row.disabled,
  appendFullHead: row.appendFullHead,
});

/**
 * One change per camera instrument with the camera host name. Setup inserts missing pairs (enabled); on an
 * existing pair it sets `append full head`, and a new base path re-enables the pair (buffer_host_setup.py).
 */
export function planBufferHostChange(
  request: BufferHostRequest,
  cameras: { id: number; name: string }[],
  existing: BufferHostAssignment[],
  table: BufferHostTable = { table: true, appendFullHead: true },
): BufferHostChange[] {
  if (cameras.length === 0) {
    throw new BufferHostAdminError(`no InstrumentData row has hostname ${JSON.stringify(request.cameraHost)}`);
  }
  if (!table.table) {
    throw new BufferHostAdminError(
      'this leginondb has no BufferHostData table yet (Leginon creates it when a buffer host is first set up with its buffer_host_setup.py); the server does not change Leginon\'s schema',
    );
  }
  if (request.kind === 'setup' && request.appendFullHead && !table.appendFullHead) {
    throw new BufferHostAdminError(
      "`append full head` cannot be stored in this leginondb: its BufferHostData has no such column (a Leginon older than 2022 made it, and reads every row as without it); set up without --append-full-head",
    );
  }
  if (request.kind === 'setup' && !path.isAbsolute(request.basePath)) {
    throw new BufferHostAdminError(`base path ${JSON.stringify(request.basePath)} must be absolute`);
  }
  return cameras.map((camera) => {
    // Newest first, as listBufferHostAssignments returns them: the newest row is the one rawtransfer and Appion read.
    const [row, ...older] = existing
      .filter((r) => r.cameraInstrumentId === camera.id && r.bufferHostname === request.bufferHost)
      .sort((a, b) => b.id - a.id);
    const olderDuplicates = older.length ? { olderDuplicates: older.map((r) => r.id) } : {};
    if (!row) {
      if (request.kind !== 'setup') {
        throw new BufferHostAdminError(
          `camera ${camera.name} (${request.cameraHost}) has no buffer host ${request.bufferHost}; run buffer-host setup first`,
        );
      }
      return {
        kind: 'insert',
        cameraInstrumentId: camera.id,
        cameraName: camera.name,
        after: { basePath: request.basePath, disabled: false, appendFullHead: request.appendFullHead },
      };
    }
    const before = valuesOf(row);
    const after =
      request.kind === 'setup'
        ? {
            basePath: request.basePath,
            appendFullHead: request.appendFullHead,
            disabled: request.basePath !== before.basePath ? false : before.disabled,
          }
        : { ...before, disabled: request.kind === 'disable' };
    const same = after.basePath === before.basePath && after.disabled === before.disabled && after.appendFullHead === before.appendFullHead;
    return same
      ? { kind: 'unchanged', id: row.id, cameraName: camera.name, values: before, ...olderDuplicates }
      : { kind: 'update', id: row.id, cameraName: camera.name, before, after, ...olderDuplicates };
  });
}

/** Runs the planned changes; returns them with what the table can hold, for the operator's notes. */
export async function applyBufferHostChange(db: Db, request: BufferHostRequest): Promise<{ changes: BufferHostChange[]; table: BufferHostTable }> {
  const cameras = await findCameraInstruments(db, request.cameraHost);
  const table = await bufferHostColumns(db);
  const changes = planBufferHostChange(request, cameras, await listBufferHostAssignments(db, request.cameraHost), table);
  for (const change of changes) {
    if (change.kind === 'insert') {
      await insertBufferHost(db, { cameraInstrumentId: change.cameraInstrumentId, bufferHostname: request.bufferHost, ...change.after });
    } else if (change.kind === 'update') {
      await updateBufferHost(db, change.id, change.after);
    }
  }
  return { changes, table };
}

/** What an operator should know about the table itself after a change (none for a current leginondb). */
export function describeTable(table: BufferHostTable): string[] {
  return table.appendFullHead
    ? []
    : ["note: `append full head` cannot be stored in this leginondb (its BufferHostData, made by a Leginon older than 2022, has no such column): every row is read as without it"];
}

const describeValues = (v: RowValues) =>
  `${v.disabled ? 'DISABLED' : 'enabled'}, base path ${v.basePath}${v.appendFullHead ? ', append full head' : ''}`;

export function describeChange(change: BufferHostChange, bufferHost: string): string {
  const duplicates = change.olderDuplicates
    ? `; older rows ${change.olderDuplicates.join(', ')} for the same pair are left as they are (only the newest, row ${'id' in change ? change.id : ''}, is read)`
    : '';
  switch (change.kind) {
    case 'insert':
      return `camera ${change.cameraName} -> ${bufferHost}: added (${describeValues(change.after)})`;
    case 'update':
      return `camera ${change.cameraName} -> ${bufferHost}: was ${describeValues(change.before)}; now ${describeValues(change.after)}${duplicates}`;
    case 'unchanged':
      return `camera ${change.cameraName} -> ${bufferHost}: unchanged (${describeValues(change.values)})${duplicates}`;
  }
}

export function describeAssignment(row: BufferHostAssignment): string {
  return `${row.cameraHostname} (camera ${row.cameraName}, id ${row.cameraInstrumentId}) -> ${row.bufferHostname}: ${describeValues(valuesOf(row))}`;
}
