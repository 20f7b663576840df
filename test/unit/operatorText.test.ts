import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MovieStatus } from '../../src/movie.js';
import { explainUnreachable } from '../../src/leginondb.js';
import { formatBytes } from '../../src/units.js';
import { describePreprocess, formatMovieStatus } from '../../src/statusFormat.js';
import { movieListQuery, temporalListCommand } from '../../src/visibilityQuery.js';
import { formatAlerts } from '../../src/overview.js';

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

  it('tells a copy waiting out an outage from one queued behind it', () => {
    const text = formatMovieStatus('movie:k3:a', status, [
      { activityType: 'archiveMovie', attempt: 1, waiting: 'archive target gpfs is down since t0: not mounted' },
      { activityType: 'archiveMovie', attempt: 1, queued: true },
    ]);
    assert.ok(text.includes('running    archiveMovie, attempt 1, waiting: archive target gpfs is down since t0: not mounted'), text);
    assert.ok(text.includes('queued     archiveMovie, behind other movies for a free worker slot'), text);
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
        motion: { engine: 'motioncor2', gpu: 1, frames: 40, totalDrift: 12.34, seconds: 9.2, sum: '/p/run-2/m_c.mrc', outputDir: '/p/run-2', defects: '3 defect(s) of defect_plan0041_mod.txt filled' },
        ctf: { engine: 'ctffind4', version: '4.1.14', defocus1: 15321.4, defocus2: 15012.1, astigmatism: 309.3, resolution: null, crossCorrelation: 0.1, seconds: 3 },
      }),
      'run 2 done (requested by anna@krios1); motion motioncor2 on GPU 1: 40 frames, drift 12.3 px (9.2 s), 3 defect(s) of defect_plan0041_mod.txt filled; CTF ctffind4 4.1.14: defocus 15321/15012 Å, astigmatism 309 Å, no rings fit; outputs /p/run-2',
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

describe('explainUnreachable', () => {
  const explain = explainUnreachable('mysql://leginon:secret@db.facility.org:3306/leginondb');

  it('names the database host (never the password) when it cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:3306'), { code: 'ECONNREFUSED' });
    assert.throws(() => explain(refused), (error: Error) => {
      assert.match(error.message, /^leginondb at db\.facility\.org:3306 is unreachable \(ECONNREFUSED\)/);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });

  it('passes any other error through unchanged', () => {
    const syntax = Object.assign(new Error('You have an error in your SQL syntax'), { code: 'ER_PARSE_ERROR' });
    assert.throws(() => explain(syntax), (error) => error === syntax);
  });
});

describe('formatBytes', () => {
  it('picks the unit an operator reads at a glance', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(3 * 1024 ** 2), '3.0 MiB');
    assert.equal(formatBytes(812 * 1024 ** 2), '812 MiB');
    assert.equal(formatBytes(1.25 * 1024 ** 3), '1.3 GiB');
    assert.equal(formatBytes(5120 * 1024 ** 3), '5.0 TiB');
  });
});

describe('formatAlerts', () => {
  it('lists the alerts the dashboard holds, says when there are none, and why they are unknown', () => {
    assert.equal(
      formatAlerts({ at: 't', alerts: [{ kind: 'storage-down', message: 'archive target gpfs is down', since: '2026-11-30T01:00:00Z' }] }),
      'ALERT storage-down: archive target gpfs is down (since 2026-11-30T01:00:00Z)',
    );
    assert.equal(formatAlerts({ at: 't', alerts: [], stale: 'Temporal unreachable' }), 'alerts     none in force (dashboard figures are stale: Temporal unreachable)');
    assert.equal(formatAlerts({ unavailable: 'dashboard not reachable at http://127.0.0.1:8234/api/alerts' }), 'alerts     dashboard not reachable at http://127.0.0.1:8234/api/alerts');
  });
});
