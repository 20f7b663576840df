import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { reconcileSession, type MovieFacts } from '../../src/reconcile.js';

const image = (filename: string, framesName: string) => ({ imageClass: 'AcquisitionImageData' as const, filename, framesName, cameraHost: 'k3' });
const idOf = (i: { framesName: string }) => `movie:k3:${i.framesName}`;

describe('reconcileSession', () => {
  it('is silent when images, movies and files agree', () => {
    const movies = new Map<string, MovieFacts>([
      ['movie:k3:f1', { workflowId: 'movie:k3:f1', stage: 'archived', open: true, bytes: 10, buffer: { path: '/b/s/a.frames.tif', bytes: 10 }, archive: { path: '/g/s/a.frames.tif', bytes: 10 } }],
    ]);
    assert.deepEqual(reconcileSession([image('a', 'f1')], movies, ['/b/s/a.frames.tif', '/g/s/a.frames.tif', '/g/s/transfer.log'], idOf), []);
  });

  it('names parked, held, size mismatches and duplicates with their repairs', () => {
    const movies = new Map<string, MovieFacts>([
      ['movie:k3:f1', { workflowId: 'movie:k3:f1', stage: 'parked', open: true }],
      ['movie:k3:f2', { workflowId: 'movie:k3:f2', stage: 'archive-held', open: true }],
      ['movie:k3:f3', { workflowId: 'movie:k3:f3', stage: 'archived', open: true, bytes: 10, buffer: { path: '/b/s/c.frames.tif', bytes: 9 }, archive: { path: '/g/s/c.frames.tif', bytes: 10 } }],
    ]);
    const findings = reconcileSession([image('a', 'f1'), image('b', 'f2'), image('c', 'f3')], movies, ['/g/s/c.conflict-1.frames.tif'], idOf);
    assert.deepEqual(findings.map((f) => f.kind), ['parked', 'held', 'size-mismatch', 'duplicate']);
    assert.deepEqual(findings[0]!.commands, ['bufferctl status movie:k3:f1', 'bufferctl retry movie:k3:f1']);
    assert.deepEqual(findings[1]!.commands, ['bufferctl release movie:k3:f2']);
    assert.match(findings[2]!.detail, /\/b\/s\/c\.frames\.tif has 9 B, the camera file had 10 B/);
  });

  it('with hashes read, names a copy of the right size but the wrong content, and damaged copies set aside', () => {
    const movies = new Map<string, MovieFacts>([
      [
        'movie:k3:f1',
        {
          workflowId: 'movie:k3:f1',
          stage: 'archived',
          open: true,
          bytes: 10,
          hash: 'aaaa',
          buffer: { path: '/b/s/a.frames.tif', bytes: 10, hash: 'aaaa' },
          archive: { path: '/g/s/a.frames.tif', bytes: 10, hash: 'abab' },
        },
      ],
    ]);
    const findings = reconcileSession([image('a', 'f1')], movies, ['/g/s/a.frames.tif', '/g/s/a.frames.tif.damaged-1'], idOf);
    assert.deepEqual(findings.map((f) => f.kind), ['hash-mismatch', 'damaged']);
    assert.match(findings[0]!.detail, /\/g\/s\/a\.frames\.tif hashes to abab, the camera file to aaaa/);
    assert.match(findings[0]!.repair, /expiry re-verifies the archive copy, sets a damaged one aside and archives again/);
    assert.deepEqual(findings[0]!.commands, ['bufferctl expire movie:k3:f1']);
    assert.match(findings[1]!.subject, /a\.frames\.tif\.damaged-1$/);
  });

  it('quotes hostile names in its commands so the shell runs exactly them, and escapes them in its text', () => {
    const hostile = ["x;touch pwned;.tif", "$(touch pwned)", "`touch pwned`", "a'b", 'new\nline', 'esc\u001b]0;title\u0007', 'bidi\u202egnp.tif', '-rf'];
    const movies = new Map<string, MovieFacts>(
      hostile.map((name, i) => [`movie:k3:${name}`, { workflowId: `movie:k3:${name}`, stage: i % 2 ? 'parked' : 'archive-held', open: true }]),
    );
    const findings = reconcileSession(hostile.map((name, i) => image(`img${i}`, name)), movies, [], (img) => `movie:k3:${img.framesName}`);
    const script = findings.flatMap((f) => f.commands).join('\n');
    for (const f of findings) assert.doesNotMatch(`${f.subject}${f.detail}${f.repair}`, /[\n\u001b\u202e\u0007]/, 'no raw control or bidi characters in the text');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'reconcile-sh-'));
    writeFileSync(path.join(dir, 'repairs.sh'), `${script}\n`);
    execFileSync('bash', ['-n', path.join(dir, 'repairs.sh')]);
    // Run for real, with bufferctl recording its arguments: each command gets exactly the movie's id, nothing else runs.
    const recorder = `bufferctl() { printf '%s\\0' "$#" "$@" >> argv; }\n`;
    execFileSync('bash', ['-c', `${recorder}. ./repairs.sh`], { cwd: dir });
    assert.deepEqual(readdirSync(dir).sort(), ['argv', 'repairs.sh'], 'nothing but the recorded calls');
    const words = readFileSync(path.join(dir, 'argv'), 'utf8').split('\0').slice(0, -1);
    const calls: string[][] = [];
    for (let i = 0; i < words.length; i += Number(words[i]) + 1) calls.push(words.slice(i + 1, i + 1 + Number(words[i])));
    const ids = hostile.map((name) => `movie:k3:${name}`);
    assert.deepEqual(
      calls.map((c) => c.at(-1)),
      ids.flatMap((id, i) => (i % 2 ? [id, id] : [id])),
    );
    assert.ok(calls.every((c) => c.length === 2));
  });
});
