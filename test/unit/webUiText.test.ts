import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MovieStatus } from '../../src/movie.js';
import { formatWait, movieCurrentDetails, movieStartSummary } from '../../src/webUiText.js';

describe('what the Web UI shows of a movie', () => {
  it('says timers in the unit an operator reads', () => {
    assert.deepEqual([14 * 86_400_000, 36 * 3_600_000, 90_000, 2_000, 500].map(formatWait), ['14 d', '1.5 d', '1.5 min', '2 s', '500 ms']);
  });

  it('names the movie, and shows a hostile name escaped', () => {
    assert.equal(movieStartSummary({ cameraHost: 'k3-1', fileName: '20261202_0001.tif' }), 'movie 20261202_0001.tif from k3-1');
    assert.equal(movieStartSummary({ cameraHost: 'k3-1', fileName: 'a\u202Egnp.tif' }), 'movie a\\u{202E}gnp.tif from k3-1');
  });

  it('details the stage, the Leginon name and session, the copies and the holds', () => {
    const status: MovieStatus = {
      stage: 'archive-held',
      detail: 'held (session 26jan15b): GPFS maintenance',
      cameraHost: 'k3-1',
      bufferHost: 'buffer1',
      archiveTarget: 'gpfs',
      camera: { fileName: 'f.tif', framesName: 'f', bytes: 3 * 1024 ** 3, freed: true },
      leginon: { session: '26jan15b', imageClass: 'AcquisitionImageData', imageId: 42, filename: '26jan15b_00012gr_00003sq_v01_00002hl_00005ex' },
      lookups: 1,
      buffer: { path: '/buffer/26jan15b/rawdata/26jan15b_00012gr_00003sq_v01_00002hl_00005ex.frames.tif' },
      holds: [{ scope: 'session:26jan15b', reason: 'GPFS maintenance', by: 'ops', since: '2026-12-02T00:00:00Z' }],
      stageTimes: {},
      attempts: {},
      warnings: [],
    };
    assert.equal(
      movieCurrentDetails(status),
      [
        '**stage** archive-held — held (session 26jan15b): GPFS maintenance',
        '**Leginon** `26jan15b_00012gr_00003sq_v01_00002hl_00005ex`, session 26jan15b (AcquisitionImageData 42)',
        '**camera** k3-1:`f.tif`, 3.0 GiB (freed)',
        '**buffer** buffer1:`/buffer/26jan15b/rawdata/26jan15b_00012gr_00003sq_v01_00002hl_00005ex.frames.tif`',
        '**HOLD** GPFS maintenance (by ops)',
      ].join('\n'),
    );
  });
});
