import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDeInfo } from '../../src/ddinfo.js';

describe('parseDeInfo (a DE frames folder info.txt, as ddinfo.parseInfoTxt reads it)', () => {
  it('splits each line at its first "=", both sides trimmed', () => {
    const info = parseDeInfo('Dataset Name = 20260115_09421733\r\nFrames Per Second=40\nROI Offset X = 0\nExposure = a=b\n\n');
    assert.deepEqual(info.entries, [
      { key: 'Dataset Name', value: '20260115_09421733' },
      { key: 'Frames Per Second', value: '40' },
      { key: 'ROI Offset X', value: '0' },
      { key: 'Exposure', value: 'a=b' },
    ]);
    assert.deepEqual(info.skipped, []);
  });

  it('skips and names lines Leginon would stop at, and text the latin1 columns cannot hold', () => {
    const info = parseDeInfo('no equals sign here\n= no key\nSample = 😀 ice\nBeam\u202e = x\nOK = yes\n');
    assert.deepEqual(info.entries, [{ key: 'OK', value: 'yes' }]);
    assert.deepEqual(info.skipped, [
      'line 1: no "key = value"',
      'line 2: no "key = value"',
      'line 3: characters latin1 cannot hold',
      'line 4: characters latin1 cannot hold',
    ]);
  });
});
