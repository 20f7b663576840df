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
  const chosenId = (choice: ReturnType<typeof chooseImage>) => (choice.kind === 'chosen' ? choice.image.imageId : choice.kind);

  it('takes a single match as it is, even an aligned re-save', () => {
    assert.equal(chosenId(chooseImage([image(1, true)])), 1);
  });

  it('of several, skips aligned re-saves and takes the first left', () => {
    assert.equal(chosenId(chooseImage([image(1, true), image(2, false), image(3, false)])), 2);
    assert.deepEqual(chooseImage([image(1, true), image(2, true)]), { kind: 'none', reason: 'all-aligned-resaves', count: 2 });
    assert.deepEqual(chooseImage([]), { kind: 'none', reason: 'no-image', count: 0 });
  });

  it('with a destination head, takes only sessions whose frame path lies under it', () => {
    const elsewhere = { ...image(5, false), session: { ...session, name: 'other', framePath: '/archive2/frames/x' } };
    assert.equal(chosenId(chooseImage([elsewhere, image(6, false)], '/data/frames')), 6);
    assert.equal(chosenId(chooseImage([image(6, false)], '/data/frames/')), 6);
    assert.equal(chooseImage([elsewhere], '/data/frames').kind, 'not-ours');
    assert.equal(chooseImage([image(6, false)], '/data/fra').kind, 'not-ours', 'whole components only');
  });

  it('compares the frame path with the destination head after resolving "..": /data/frames/../theirs is not ours', () => {
    const climbing = { ...image(7, false), session: { ...session, name: 'theirs', framePath: '/data/frames/../theirs/x' } };
    assert.equal(chooseImage([climbing], '/data/frames').kind, 'not-ours');
    const relative = { ...image(8, false), session: { ...session, name: 'rel', framePath: 'frames/x' } };
    assert.equal(chooseImage([relative], '/data/frames').kind, 'not-ours');
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
