import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyCameraEntry, leginonMovieFileName, partName, UnsafeNameError } from '../../src/names.js';

describe('classifyCameraEntry', () => {
  it('maps camera extensions to Leginon suffixes (rawtransfer rules)', () => {
    const cases: [string, string, string][] = [
      ['20180618_11223401.tif', '20180618_11223401', '.frames.tif'],
      ['20180618_11223401.tiff', '20180618_11223401', '.frames.tif'],
      ['20180618_11223401.mrc', '20180618_11223401', '.frames.mrc'],
      ['FoilHole_123_Data_456.mrcs', 'FoilHole_123_Data_456', '.frames.mrc'],
      ['movie.EER', 'movie', '.frames.eer'],
      ['name.with.dots.tif', 'name.with.dots', '.frames.tif'],
      ['spaces and ünïcode.tif', 'spaces and ünïcode', '.frames.tif'],
    ];
    for (const [file, framesName, suffix] of cases) {
      const entry = classifyCameraEntry(file);
      assert.equal(entry.kind, 'movie', file);
      if (entry.kind === 'movie') assert.deepEqual([entry.movie.framesName, entry.movie.suffix], [framesName, suffix]);
    }
  });

  it('takes a DE frames folder (named by its date) as one movie, and lets .xml sidecars travel with theirs', () => {
    assert.deepEqual(classifyCameraEntry('20251125_00042', true), {
      kind: 'movie',
      movie: { framesName: '20251125_00042', format: 'de-folder', suffix: '.frames' },
    });
    assert.equal(classifyCameraEntry('references', true).kind, 'ignored');
    assert.equal(classifyCameraEntry('FoilHole_1_Data_2.xml').kind, 'ignored');
  });

  it('ignores .DS_Store, hidden, temporary and non-movie files', () => {
    for (const file of ['.DS_Store', '.20180618_11223401.tif', 'x.tif.tmp', 'x.tif~', 'x.partial', 'notes.txt', 'gain', '.tif', 'a/b.tif', '']) {
      assert.equal(classifyCameraEntry(file).kind, 'ignored', file);
    }
  });
});

describe('leginonMovieFileName', () => {
  it('appends the suffix to the Leginon image filename', () => {
    assert.equal(leginonMovieFileName('18jun18a_00003hln_00004esn', '.frames.mrc'), '18jun18a_00003hln_00004esn.frames.mrc');
    assert.equal(leginonMovieFileName('sess ion_ü_001', '.frames.tif'), 'sess ion_ü_001.frames.tif');
  });

  it('refuses names that could escape the folder or break listings', () => {
    for (const bad of ['', ' ', '.', '..', '../etc/passwd', 'a/b', 'a\\b', 'line\nbreak', 'nul\u0000', 'x'.repeat(250)]) {
      assert.throws(() => leginonMovieFileName(bad, '.frames.tif'), UnsafeNameError, JSON.stringify(bad));
    }
  });

  it('accepts a name of exactly 255 bytes and refuses 256', () => {
    const suffix = '.frames.tif';
    assert.equal(Buffer.byteLength(leginonMovieFileName('a'.repeat(255 - suffix.length), suffix)), 255);
    assert.throws(() => leginonMovieFileName('a'.repeat(256 - suffix.length), suffix), UnsafeNameError);
  });
});

describe('partName', () => {
  it('names a part by the Leginon filename and its suffix, with a conflict number before the suffix', () => {
    assert.equal(partName('img', '.frames.tif', 0), 'img.frames.tif');
    assert.equal(partName('img', '.frames.tif', 1), 'img.conflict-1.frames.tif');
    assert.equal(partName('img', '.frames/info.txt', 2), 'img.conflict-2.frames/info.txt');
  });
});
