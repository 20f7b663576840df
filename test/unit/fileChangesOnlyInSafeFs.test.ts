/**
 * The rule behind src/safeFs.ts, enforced: no production file but that module imports a writing or deleting
 * `fs` function, and the few that open files themselves open them read-only and without following a link.
 * A new `writeFile` in an activity fails this test, not a facility's /etc.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PRODUCTION = ['src', 'activities', 'workers', 'workflows', 'bin', 'dashboard'];

/**
 * Files that write only where the project alone writes (its var/ folder, its caches, the simulator's stand-in
 * microscope, the GPU lock folder it refuses to use when anyone else could write there).
 */
const OWN_PLACES = new Set([
  'src/safeFs.ts',
  'src/temporalCluster.ts',
  'src/temporalDevServer.ts',
  'src/temporalUi.ts',
  'src/goInstall.ts',
  'src/ctffindBuild.ts',
  'src/preprocess/gpuLock.ts',
]);
const OWN_FOLDERS = ['src/simulator/'];

const WRITING = [
  'appendFile', 'chmod', 'chown', 'copyFile', 'cp', 'createWriteStream', 'fchmod', 'fchown', 'lchown', 'link',
  'mkdir', 'mkdtemp', 'open', 'openSync', 'rename', 'rm', 'rmdir', 'symlink', 'truncate', 'unlink', 'utimes', 'writeFile',
  'lutimes', 'futimes', 'opendir',
].flatMap((name) => [name, `${name}Sync`]);

/** Files that open a file themselves, each for reading only (hashing, headers). */
const READ_ONLY_OPENERS = new Set(['src/copy.ts', 'src/compression.ts', 'src/preprocess/defects.ts']);

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'public' ? [] : sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

function fsImports(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/import\s+(?:type\s+)?([^;]*?)\s+from\s+'(?:node:)?fs(?:\/promises)?'/g)) {
    const clause = match[1]!;
    if (/^\*|^[A-Za-z_$][\w$]*$/.test(clause.trim())) names.push('* (namespace or default import)');
    for (const braces of clause.matchAll(/\{([^}]*)\}/g)) {
      for (const part of braces[1]!.split(',')) {
        const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
        if (name) names.push(name);
      }
    }
  }
  return names;
}

describe('file-system changes', () => {
  const files = PRODUCTION.flatMap(sources).filter((f) => !OWN_PLACES.has(f) && !OWN_FOLDERS.some((d) => f.startsWith(d)));

  it('are made only through src/safeFs.ts', () => {
    const offenders = files.flatMap((file) => {
      const imported = fsImports(readFileSync(path.join(ROOT, file), 'utf8'));
      return imported
        .filter((name) => WRITING.includes(name) || name.startsWith('*'))
        .filter((name) => !(READ_ONLY_OPENERS.has(file) && name === 'open'))
        .map((name) => `${file}: ${name}`);
    });
    assert.deepEqual(offenders, [], 'use SafeRoot (src/safeFs.ts) instead');
  });

  it('leave the read-only openers read-only, never following a link at the name', () => {
    for (const file of READ_ONLY_OPENERS) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const call of text.matchAll(/\bawait open\(([^)]*)\)/g)) {
        assert.match(call[1]!, /constants\.O_RDONLY\s*\|\s*constants\.O_NOFOLLOW/, `${file}: open(${call[1]}) must be O_RDONLY | O_NOFOLLOW`);
      }
    }
  });

  it('sees the imports it polices (the scan itself works)', () => {
    assert.deepEqual(fsImports("import { link, open as o, type Stats } from 'node:fs/promises';"), ['link', 'open', 'Stats']);
    assert.deepEqual(fsImports("import * as fs from 'fs';"), ['* (namespace or default import)']);
  });
});
