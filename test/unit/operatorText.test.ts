import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MovieStatus } from '../../src/movie.js';
import { describePreprocess, formatMovieStatus } from '../../src/statusFormat.js';
import { movieListQuery, temporalListCommand } from '../../src/visibilityQuery.js';

describe('movieListQuery', () => {
  it('lists all movies, or filters by the search attributes', () => {
    assert.equal(movieListQuery(), "WorkflowType = 'ingestMovie'");
    assert.equal(
      movieListQuery({ stage: 'archiving', session: '25nov25a', cameraHost: 'k3' }),
      "WorkflowType = 'ingestMovie' AND MovieStage = 'archiving' AND LeginonSession = '25nov25a' AND CameraHost = 'k3'",
    );
  });

  it('quotes values so a session name cannot change the query', () => {
    assert.equal(movieListQuery({ session: "x' OR 'a'='a" }), "WorkflowType = 'ingestMovie' AND LeginonSession = 'x\\' OR \\'a\\'=\\'a'");
  });

  it('prints the same query as a shell-safe temporal command', () => {
    assert.equal(
      temporalListCommand(movieListQuery({ stage: 'parked' }), 'default'),
      `temporal workflow list --namespace default --query "WorkflowType = 'ingestMovie' AND MovieStage = 'parked'"`,
    );
  });
});

describe('formatMovieStatus', () => {
  const status: MovieStatus = {
    stage: 'archive-held',
    detail: 'held: GPFS maintenance',
    cameraHost: 'k3',
    bufferHost: 'buffer1',
    archiveTarget: 'gpfs',
    camera: { fileName: 'a.tif', framesName: 'a', path: '/mnt/k3/a.tif', freed: true },
    leginon: { session: '25nov25a', imageClass: 'AcquisitionImageData', imageId: 9, filename: '25nov25a_001' },
    lookups: 1,
    fingerprint: { bytes: 2 * 1024 * 1024, hash: '0123456789abcdef', algorithm: 'xxh3-64' },
    buffer: { path: '/buffer/frames/25nov25a_001.frames.tif' },
    hold: { scope: 'movie', reason: 'GPFS maintenance', by: 'ops@host', since: '2026-11-25T03:00:00Z' },
    stageTimes: { copying: 't1', archiving: 't2' },
    attempts: {},
    warnings: ['camera file changed'],
  };

  it('shows the stage, the hold, names, hash, running activities and warnings', () => {
    const text = formatMovieStatus('movie:k3:a', status, [{ activityType: 'archiveMovie', attempt: 7, lastFailure: 'EIO', bytesDone: 1024 * 1024 }]);
    for (const expected of [
      'stage      archive-held — held: GPFS maintenance',
      'HOLD       GPFS maintenance (by ops@host',
      'session 25nov25a, AcquisitionImageData 9 "25nov25a_001"',
      '2.0 MiB, xxh3-64 0123456789abcdef',
      'running    archiveMovie, attempt 7, 1.0 MiB done, last failure: EIO',
      'WARNING    camera file changed',
      'timeline   copying t1 → archiving t2',
    ]) {
      assert.ok(text.includes(expected), `missing: ${expected}\n${text}`);
    }
  });
});

describe('describePreprocess', () => {
  it('gives the state and the headline figures, or the failure', () => {
    assert.equal(
      describePreprocess({
        run: 2,
        state: 'done',
        engines: { motion: 'motioncor2', ctf: 'ctffind4' },
        requestedBy: 'anna@krios1',
        motion: { engine: 'motioncor2', gpu: 1, frames: 40, totalDrift: 12.34, seconds: 9.2, sum: '/p/run-2/m_c.mrc', outputDir: '/p/run-2' },
        ctf: { engine: 'ctffind4', version: '4.1.14', defocus1: 15321.4, defocus2: 15012.1, astigmatism: 309.3, resolution: null, crossCorrelation: 0.1, seconds: 3 },
      }),
      'run 2 done (requested by anna@krios1); motion motioncor2 on GPU 1: 40 frames, drift 12.3 px (9.2 s); CTF ctffind4 4.1.14: defocus 15321/15012 Å, astigmatism 309 Å, no rings fit; outputs /p/run-2',
    );
    assert.equal(
      describePreprocess({ run: 1, state: 'failed', engines: { motion: 'relion', ctf: 'none' }, error: 'motion correction (relion): exit code 1' }),
      'run 1 FAILED; motion correction (relion): exit code 1',
    );
  });

  it('filters movies by pre-processing state', () => {
    assert.equal(movieListQuery({ preprocessState: 'failed' }), "WorkflowType = 'ingestMovie' AND PreprocessState = 'failed'");
  });
});
