import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LEGINON_TABLES } from '../../src/simulator/leginonSchema.js';

const REFERENCE = new URL('../../../shared/reference/leginondb/schema.sql', import.meta.url);
const NOTES = new URL('../../../shared/reference/leginondb/schema.md', import.meta.url);
/** Tables the 2018 dump lacks; schema.md names their columns from the code that reads them. */
const DOCUMENTED_ONLY = ['CorrectorPlanData'];

/** table name -> column names, from CREATE TABLE statements (backtick-quoted names, one column per line). */
function columnsByTable(sql: string): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  for (const match of sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?`([^`]+)` (?:LIKE `([^`]+)`|\(([\s\S]*?)\n\) ENGINE)/g)) {
    const [, name, likeTable, body] = match;
    const columns = likeTable
      ? new Set(tables.get(likeTable!))
      : new Set([...body!.matchAll(/^\s*`([^`]+)` /gm)].map((m) => m[1]!));
    tables.set(name!, columns);
  }
  return tables;
}

describe('simulated leginondb schema', () => {
  it('uses only table and column names that real leginondb has (../shared/reference/leginondb/schema.sql)', (t) => {
    if (!existsSync(REFERENCE)) return t.skip('../shared/reference is not beside this checkout');
    const reference = columnsByTable(readFileSync(REFERENCE, 'utf8'));
    const notes = readFileSync(NOTES, 'utf8');
    const ours = columnsByTable(LEGINON_TABLES.join(';\n'));
    assert.ok(ours.size >= 9);
    for (const [table, columns] of ours) {
      if (DOCUMENTED_ONLY.includes(table)) {
        for (const column of columns) {
          if (!column.startsWith('DEF_') && column !== 'REF|SessionData|session') assert.ok(notes.includes(column), `${table}.${column} is not in schema.md`);
        }
        continue;
      }
      const known = reference.get(table);
      assert.ok(known, `table ${table} is not in the reference schema`);
      for (const column of columns) assert.ok(known.has(column), `${table}.${column} is not in the reference schema`);
    }
  });
});
