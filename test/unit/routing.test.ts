import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BufferHostRow, ImageMatch, SessionRow } from '../../src/leginondb.js';
import { chooseImage, planDestination, storedPathKey, type RoutingRows } from '../../src/routing.js';

// Names as a real session has them: Leginon's target chain, an aligned `-a` re-save.
const session: SessionRow = {
  id: 7,
  name: '26jan15b',
  imagePath: '/data/leginon/smith/26jan15b/rawdata',
  framePath: '/data/frames/smith/26jan15b/rawdata',
  uid: null,
  gid: null,
};
const EXPOSURE = '26jan15b_00007gr_00021sq_v01_00003hl_00004ex';
const image = (imageId: number, options: Partial<ImageMatch> = {}): ImageMatch => ({
  imageClass: 'AcquisitionImageData',
  imageId,
  filename: `${EXPOSURE}${imageId}`,
  alignFrames: false,
  saveFrames: true,
  cameraInstrumentId: 3,
  session,
  ...options,
});
const host = (id: number, disabled = false, basePath = '/buffer/frames'): BufferHostRow => ({
  id,
  bufferHostname: `buffer${id}`,
  basePath,
  disabled,
  appendFullHead: false,
});
const noBuffer: RoutingRows = { bufferHosts: new Map(), storedBufferFramePaths: new Map() };
const withBuffer = (row: BufferHostRow, stored?: string): RoutingRows => ({
  bufferHosts: new Map([[3, row]]),
  storedBufferFramePaths: new Map(stored ? [[storedPathKey(session.id, row.id), stored]] : []),
});
const chosenId = (choice: ReturnType<typeof chooseImage>) => (choice.kind === 'chosen' ? choice.image.imageId : choice.kind);

describe('chooseImage (rawtransfer.query_image_by_frames_name)', () => {
  it('takes a single match as it is, even an aligned re-save', () => {
    assert.equal(chosenId(chooseImage([image(1, { alignFrames: true })], noBuffer)), 1);
  });

  it('of several, skips aligned re-saves and takes the NEWEST left (matches come newest first)', () => {
    const aligned = image(9, { alignFrames: true, filename: `${EXPOSURE}-a` });
    assert.equal(chosenId(chooseImage([aligned, image(8), image(2)], noBuffer)), 8);
    assert.deepEqual(chooseImage([image(2, { alignFrames: true }), image(1, { alignFrames: true })], noBuffer), {
      kind: 'none',
      reason: 'all-aligned-resaves',
      count: 2,
    });
    assert.deepEqual(chooseImage([], noBuffer), { kind: 'none', reason: 'no-image', count: 0 });
  });

  it('prefers the exposure that saved frames over a newer one that only repeats the frames name', () => {
    // A DE camera's "previous dataset name" persists over exposures that save nothing.
    assert.equal(chosenId(chooseImage([image(12, { saveFrames: false }), image(11), image(10, { saveFrames: false })], noBuffer)), 11);
  });

  it('asks the classes in rawtransfer order: an acquisition before a reference, a class of only re-saves passes', () => {
    const dark = image(50, { imageClass: 'DarkImageData' });
    assert.equal(chosenId(chooseImage([image(3), dark], noBuffer)), 3);
    assert.equal(chosenId(chooseImage([image(4, { alignFrames: true }), image(3, { alignFrames: true }), dark], noBuffer)), 50);
  });

  it('with a destination head, judges the buffer path when a buffer host is active, else the frame path', () => {
    const buffered = withBuffer(host(4, false, '/buffer1/frames'));
    assert.equal(chosenId(chooseImage([image(6)], buffered, '/buffer1')), 6);
    assert.equal(chooseImage([image(6)], buffered, '/data/frames').kind, 'not-ours', 'the archive path is not where the movie goes');
    assert.equal(chosenId(chooseImage([image(6)], noBuffer, '/data/frames')), 6);
    assert.equal(chooseImage([image(6)], withBuffer(host(4, false, '/buffer2/frames')), '/buffer1').kind, 'not-ours');
    assert.equal(chosenId(chooseImage([image(6)], withBuffer(host(4), '/buffer1/stored'), '/buffer1')), 6, 'a stored BufferFramePathData path');
  });

  it('skips images of other servers and takes ours; whole components only; ".." resolved first', () => {
    const theirs = image(5, { session: { ...session, id: 8, name: '26jan15a', framePath: '/archive2/frames/x' } });
    assert.equal(chosenId(chooseImage([theirs, image(4)], noBuffer, '/data/frames')), 4);
    assert.equal(chooseImage([theirs], noBuffer, '/data/frames').kind, 'not-ours');
    assert.equal(chooseImage([image(6)], noBuffer, '/data/fra').kind, 'not-ours');
    const climbing = image(7, { session: { ...session, framePath: '/data/frames/../theirs/x' } });
    assert.equal(chooseImage([climbing], noBuffer, '/data/frames').kind, 'not-ours');
  });

  it("the camera's newest BufferHostData row decides: disabled means the frame path, whatever older rows say", () => {
    const choice = chooseImage([image(1)], withBuffer(host(9, true)));
    assert.equal(choice.kind === 'chosen' && choice.plan.kind === 'planned' && choice.plan.bufferIsArchive, true);
  });
});

describe('planDestination', () => {
  const buffer = host(4);

  it('uses a stored BufferFramePathData path first', () => {
    const plan = planDestination(session, buffer, '/buffer/frames/stored');
    assert.deepEqual(plan, { kind: 'planned', bufferDir: '/buffer/frames/stored', archiveDir: session.framePath, bufferIsArchive: false });
  });

  it('builds the buffer path from the base path and asks for the row to be inserted', () => {
    assert.deepEqual(planDestination(session, buffer, undefined), {
      kind: 'planned',
      bufferDir: '/buffer/frames/smith/26jan15b/rawdata',
      archiveDir: session.framePath,
      bufferIsArchive: false,
      newBufferFramePath: '/buffer/frames/smith/26jan15b/rawdata',
    });
  });

  it('splits on "leginon" as a substring, as Leginon and Appion do: /data/leginon_data/... is routed', () => {
    const odd = { ...session, framePath: '', imagePath: '/data/leginon_data/smith/26jan15b/rawdata' };
    assert.deepEqual(planDestination(odd, buffer, undefined), {
      kind: 'planned',
      bufferDir: '/buffer/frames/data/smith/26jan15b/rawdata',
      archiveDir: '/data/frames_data/smith/26jan15b/rawdata',
      bufferIsArchive: false,
      newBufferFramePath: '/buffer/frames/data/smith/26jan15b/rawdata',
    });
  });

  it('without an active buffer host, the frame path is both buffer and archive', () => {
    assert.deepEqual(planDestination(session, undefined, undefined), {
      kind: 'planned',
      bufferDir: session.framePath,
      archiveDir: session.framePath,
      bufferIsArchive: true,
    });
  });

  it('says why a session cannot be routed: no leginon, "..", empty components', () => {
    assert.equal(planDestination({ ...session, framePath: '', imagePath: '/data/images/x' }, buffer, undefined).kind, 'unroutable');
    for (const imagePath of ['/data/leginon/../../etc/rawdata', '/data/leginon/a//b', '/data/leginon//etc']) {
      const plan = planDestination({ ...session, framePath: '/data/frames/ok', imagePath }, buffer, undefined);
      assert.equal(plan.kind, 'unroutable', imagePath);
    }
  });
});
