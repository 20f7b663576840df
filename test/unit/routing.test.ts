import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageMatch, SessionRow } from '../../src/leginondb.js';
import { chooseImage, planDestination } from '../../src/routing.js';

const session: SessionRow = { id: 7, name: '25nov24a', imagePath: '/data/leginon/u/25nov24a/rawdata', framePath: '/data/frames/u/25nov24a/rawdata', uid: null, gid: null };
const image = (imageId: number, alignFrames: boolean): ImageMatch => ({
  imageClass: 'AcquisitionImageData',
  imageId,
  filename: `img${imageId}`,
  alignFrames,
  cameraInstrumentId: 3,
  session,
});

describe('chooseImage', () => {
  it('takes a single match as it is, even an aligned re-save', () => {
    assert.equal(chooseImage([image(1, true)])?.imageId, 1);
  });

  it('of several, skips aligned re-saves and takes the first left', () => {
    assert.equal(chooseImage([image(1, true), image(2, false), image(3, false)])?.imageId, 2);
    assert.equal(chooseImage([image(1, true), image(2, true)]), undefined);
    assert.equal(chooseImage([]), undefined);
  });
});

describe('planDestination', () => {
  const host = { id: 4, bufferHostname: 'buffer1', basePath: '/buffer/frames', appendFullHead: false };

  it('uses a stored BufferFramePathData path first', () => {
    const plan = planDestination(session, host, '/buffer/frames/stored');
    assert.deepEqual(plan, { kind: 'planned', bufferDir: '/buffer/frames/stored', archiveDir: session.framePath, bufferIsArchive: false });
  });

  it('builds the buffer path from the base path and asks for the row to be inserted', () => {
    const plan = planDestination(session, host, undefined);
    assert.deepEqual(plan, {
      kind: 'planned',
      bufferDir: '/buffer/frames/u/25nov24a/rawdata',
      archiveDir: session.framePath,
      bufferIsArchive: false,
      newBufferFramePath: '/buffer/frames/u/25nov24a/rawdata',
    });
  });

  it('without an enabled buffer host, the frame path is both buffer and archive', () => {
    assert.deepEqual(planDestination(session, undefined, undefined), {
      kind: 'planned',
      bufferDir: session.framePath,
      archiveDir: session.framePath,
      bufferIsArchive: true,
    });
  });

  it('says why a session cannot be routed', () => {
    const plan = planDestination({ ...session, framePath: '', imagePath: '/data/images/x' }, host, undefined);
    assert.equal(plan.kind, 'unroutable');
  });
});
