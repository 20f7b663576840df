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

const folder = (built: ReturnType<typeof sessionFramePath>) => (built && 'folder' in built ? built.folder : built && built.refused);

describe('sessionFramePath (no buffer host; ddinfo.getRawFrameSessionPathFromSessionPath)', () => {
  it('uses the session frame path when set', () => {
    assert.equal(folder(sessionFramePath({ framePath: '/data/frames/x/rawdata', imagePath: '/data/leginon/x/rawdata' })), '/data/frames/x/rawdata');
  });

  it('replaces the LAST leginon of the image path with frames', () => {
    assert.equal(folder(sessionFramePath({ framePath: '', imagePath: '/data/leginon/user/25nov24a/rawdata' })), '/data/frames/user/25nov24a/rawdata');
    assert.equal(folder(sessionFramePath({ framePath: null, imagePath: '/leginon/a/leginon/s/rawdata' })), '/leginon/a/frames/s/rawdata');
    assert.equal(folder(sessionFramePath({ framePath: null, imagePath: '/leginon/s/rawdata' })), '/frames/s/rawdata');
  });

  it('as a substring, the way Leginon and Appion compute it', () => {
    assert.equal(folder(sessionFramePath({ framePath: null, imagePath: '/data/leginon_data/s/rawdata' })), '/data/frames_data/s/rawdata');
    assert.equal(folder(sessionFramePath({ framePath: null, imagePath: '/gpfs/leginon2/s/rawdata' })), '/gpfs/frames2/s/rawdata');
  });

  it('keeps a path that already is a frames path, and gives up on anything else', () => {
    assert.equal(folder(sessionFramePath({ framePath: null, imagePath: '/data/frames/s/rawdata' })), '/data/frames/s/rawdata');
    assert.equal(sessionFramePath({ framePath: null, imagePath: '/data/images/s/rawdata' }), undefined);
    assert.equal(sessionFramePath({ framePath: null, imagePath: null }), undefined);
  });

  it('refuses "..", "." and empty components in what it builds; drops one trailing slash', () => {
    assert.match(String(folder(sessionFramePath({ framePath: null, imagePath: '/data/leginon/../etc' }))), /has a "\.\." component/);
    assert.match(String(folder(sessionFramePath({ framePath: null, imagePath: '/data/leginon//s' }))), /has an empty component/);
    assert.equal(folder(sessionFramePath({ framePath: null, imagePath: '/data/leginon/s/rawdata/' })), '/data/frames/s/rawdata');
  });
});

describe('bufferFramePathFromBase (ddinfo.getBufferFrameSessionPathFromImage)', () => {
  it('appends the part after the last leginon to the base path', () => {
    assert.equal(folder(bufferFramePathFromBase('/bufferdata/frames', '/data/leginon/user/18jun18a/rawdata', false)), '/bufferdata/frames/user/18jun18a/rawdata');
  });

  it('with append full head, keeps the head too and drops the leginon component (as the code does)', () => {
    assert.equal(folder(bufferFramePathFromBase('/base', '/common_data/leginon/22oct25a/rawdata', true)), '/base/common_data/22oct25a/rawdata');
  });

  it('drops the first character after a substring leginon, as Leginon does (Appion computes the same folder)', () => {
    assert.equal(folder(bufferFramePathFromBase('/base', '/data/leginon_data/s/rawdata', false)), '/base/data/s/rawdata');
    assert.equal(folder(bufferFramePathFromBase('/base', '/data/leginon_data/s/rawdata', true)), '/base/data/data/s/rawdata');
  });

  it('has no answer for an image path without leginon, and refuses one that would leave the base', () => {
    assert.equal(bufferFramePathFromBase('/base', '/data/images/x', false), undefined);
    assert.match(String(folder(bufferFramePathFromBase('/base', '/data/leginon//etc', false))), /absolute path/);
    assert.match(String(folder(bufferFramePathFromBase('/base', '/data/leginon/../../etc', false))), /"\.\." component/);
  });
});
