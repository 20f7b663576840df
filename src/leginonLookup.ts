/**
 * The frames-name lookup as one step: the images with this frames name, the rows their destinations depend on
 * (the camera's newest BufferHostData row, stored BufferFramePathData), and rawtransfer's choice among them
 * (src/routing.ts). Used by the io activities and the leginondb benchmark.
 */
import { findBufferFramePath, findImagesByFramesName, findNewestBufferHost, type BufferHostRow, type Db } from './leginondb.js';
import { activeBufferHost, chooseImage, storedPathKey, type ImageChoice, type RoutingRows } from './routing.js';

/** The look-back asked first (an hour): a movie is usually recorded minutes before it is complete on the camera. */
export const RECENT_DAYS = 1 / 24;

export type LeginonImageChoice = ImageChoice & { rows: RoutingRows };

/**
 * The last hour is asked first: an acquisition found there that saved frames, is no re-save and is ours is what
 * the whole look-back would choose too (it is newer than anything older, and newest wins), at a fraction of the
 * rows read (see Benchmark, leginondb lookups); anything else asks the whole look-back.
 */
export async function lookUpLeginonImage(
  db: Db,
  input: { cameraHost: string; framesName: string; lookBackDays: number },
  destinationHead: string | undefined,
): Promise<LeginonImageChoice> {
  if (input.lookBackDays > RECENT_DAYS) {
    const recent = await chooseWithin(db, input, RECENT_DAYS, destinationHead);
    const image = recent.kind === 'chosen' ? recent.image : undefined;
    if (image?.imageClass === 'AcquisitionImageData' && image.saveFrames && !image.alignFrames) return recent;
  }
  return chooseWithin(db, input, input.lookBackDays, destinationHead);
}

async function chooseWithin(
  db: Db,
  input: { cameraHost: string; framesName: string },
  lookBackDays: number,
  destinationHead: string | undefined,
): Promise<LeginonImageChoice> {
  const matches = await findImagesByFramesName(db, input.framesName, input.cameraHost, lookBackDays);
  const bufferHosts = new Map<number, BufferHostRow | undefined>();
  for (const id of new Set(matches.map((m) => m.cameraInstrumentId))) bufferHosts.set(id, await findNewestBufferHost(db, id));
  const storedBufferFramePaths = new Map<string, string>();
  for (const match of matches) {
    const host = activeBufferHost(match, { bufferHosts, storedBufferFramePaths });
    const key = host && storedPathKey(match.session.id, host.id);
    if (!key || storedBufferFramePaths.has(key)) continue;
    const stored = await findBufferFramePath(db, match.session.id, host.id);
    if (stored) storedBufferFramePaths.set(key, stored);
  }
  const rows = { bufferHosts, storedBufferFramePaths };
  return { ...chooseImage(matches, rows, destinationHead), rows };
}
