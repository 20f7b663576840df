import assert from 'node:assert/strict';
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
    assert.match(findings[0]!.repair, /bufferctl retry movie:k3:f1/);
    assert.match(findings[1]!.repair, /bufferctl release movie:k3:f2/);
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
    assert.match(findings[0]!.repair, /bufferctl expire movie:k3:f1 \(expiry re-verifies the archive copy, sets a damaged one aside and archives again\)/);
    assert.match(findings[1]!.subject, /a\.frames\.tif\.damaged-1$/);
  });
});
