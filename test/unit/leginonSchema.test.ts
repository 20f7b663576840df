import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { leginonTables } from '../../src/simulator/leginonSchema.js';

const REFERENCE = new URL('../../../shared/reference/leginondb/schema.sql', import.meta.url);

interface TableShape {
  columns: Set<string>;
  keys: Set<string>;
}

/** table name -> column names and key definitions, from CREATE TABLE statements (one column or key per line). */
function tablesOf(sql: string): Map<string, TableShape> {
  const tables = new Map<string, TableShape>();
  const withoutComments = sql.replace(/\s*--[^\n]*/g, '');
  for (const match of withoutComments.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?`([^`]+)` (?:LIKE `([^`]+)`|\(([\s\S]*?)\n\) ENGINE)/g)) {
    const [, name, likeTable, body] = match;
    if (likeTable) {
      tables.set(name!, tables.get(likeTable)!);
      continue;
    }
    const lines = body!.split('\n').map((line) => line.trim().replace(/,$/, ''));
    tables.set(name!, {
      columns: new Set(lines.flatMap((line) => /^`([^`]+)` /.exec(line)?.[1] ?? [])),
      keys: new Set(lines.filter((line) => /^(PRIMARY |UNIQUE |FULLTEXT )?KEY /.test(line))),
    });
  }
  return tables;
}

describe('simulated leginondb schema', () => {
  const current = tablesOf(leginonTables('current').join(';\n'));
  const older = tablesOf(leginonTables('pre-2022').join(';\n'));

  it('is production leginondb as ../shared/reference/leginondb/schema.sql has it: same tables, columns and keys only', (t) => {
    if (!existsSync(REFERENCE)) return t.skip('../shared/reference is not beside this checkout');
    const reference = tablesOf(readFileSync(REFERENCE, 'utf8'));
    assert.deepEqual([...current.keys()].sort(), [...reference.keys()].sort());
    for (const [table, shape] of current) {
      assert.deepEqual([...shape.columns].sort(), [...reference.get(table)!.columns].sort(), `${table} columns`);
      assert.deepEqual([...shape.keys].sort(), [...reference.get(table)!.keys].sort(), `${table} keys: none invented`);
    }
    assert.ok(![...current.get('CameraEMData')!.keys].some((key) => key.includes('frames name')), 'no index on frames name');
  });

  it('pre-2022: no uid/gid, no append full head, no BufferFramePathData, MyISAM SessionData with a FULLTEXT name', () => {
    assert.equal(older.get('SessionData')!.columns.has('uid'), false);
    assert.equal(older.get('SessionData')!.columns.has('gid'), false);
    assert.equal(older.get('BufferHostData')!.columns.has('append full head'), false);
    assert.equal(older.get('CameraEMData')!.columns.has('tiff frames'), false);
    assert.equal(older.has('BufferFramePathData'), false);
    assert.ok(older.get('SessionData')!.keys.has('FULLTEXT KEY `name` (`name`)'));
    assert.match(leginonTables('pre-2022').find((s) => s.includes('`SessionData`'))!, /ENGINE=MyISAM/);
  });
});
