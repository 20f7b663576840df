import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bufferFramePathFromBase, confineTo, PathOutsideRootError, sessionFramePath } from '../../src/paths.js';

describe('confineTo', () => {
  it('accepts paths strictly under the root', () => {
    assert.equal(confineTo('/buffer', '/buffer/frames/x'), '/buffer/frames/x');
    assert.equal(confineTo('/buffer/', 'frames/x'), '/buffer/frames/x');
  });

  it('refuses the root itself, parents, siblings and absolute paths elsewhere', () => {
    for (const bad of ['/buffer', '/buffer/..', '/buffer/../etc', '/bufferx/a', '/etc/passwd', '../x', 'a/../../x']) {
      assert.throws(() => confineTo('/buffer', bad), PathOutsideRootError, bad);
    }
  });
});

describe('sessionFramePath (no buffer host)', () => {
  it('uses the session frame path when set', () => {
    assert.equal(sessionFramePath({ framePath: '/data/frames/x/rawdata', imagePath: '/data/leginon/x/rawdata' }), '/data/frames/x/rawdata');
  });

  it('replaces the LAST leginon component of the image path with frames', () => {
    assert.equal(sessionFramePath({ framePath: '', imagePath: '/data/leginon/user/25nov24a/rawdata' }), '/data/frames/user/25nov24a/rawdata');
    assert.equal(sessionFramePath({ framePath: null, imagePath: '/leginon/a/leginon/s/rawdata' }), '/leginon/a/frames/s/rawdata');
    assert.equal(sessionFramePath({ framePath: null, imagePath: '/leginon/s/rawdata' }), '/frames/s/rawdata');
  });

  it('keeps a path that already is a frames path, and gives up on anything else', () => {
    assert.equal(sessionFramePath({ framePath: null, imagePath: '/data/frames/s/rawdata' }), '/data/frames/s/rawdata');
    assert.equal(sessionFramePath({ framePath: null, imagePath: '/data/images/s/rawdata' }), undefined);
    assert.equal(sessionFramePath({ framePath: null, imagePath: null }), undefined);
  });

  it('matches whole components only', () => {
    assert.equal(sessionFramePath({ framePath: null, imagePath: '/data/leginonX/s' }), undefined);
  });
});

describe('bufferFramePathFromBase', () => {
  it('appends the part after the last leginon component to the base path', () => {
    assert.equal(bufferFramePathFromBase('/bufferdata/frames', '/data/leginon/user/18jun18a/rawdata', false), '/bufferdata/frames/user/18jun18a/rawdata');
  });

  it('with append full head, keeps the head too and drops the leginon component (as the code does)', () => {
    assert.equal(bufferFramePathFromBase('/base', '/common_data/leginon/22oct25a/rawdata', true), '/base/common_data/22oct25a/rawdata');
  });

  it('has no answer for an image path without leginon', () => {
    assert.equal(bufferFramePathFromBase('/base', '/data/images/x', false), undefined);
  });
});
