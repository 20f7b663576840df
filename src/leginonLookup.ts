/**
 * The frames-name lookup as one step: the images with this frames name, the rows their destinations depend on
 * (the camera's newest BufferHostData row, stored BufferFramePathData), and rawtransfer's choice among them
 * (src/routing.ts). Used by the io activities and the leginondb benchmark.
 */
import { byLeginonOrder, databaseNow, findBufferFramePath, findImagesByFramesName, findNewestBufferHost, type BufferHostRow, type Db, type ImageMatch } from './leginondb.js';
import { activeBufferHost, chooseImage, storedPathKey, type ImageChoice, type RoutingRows } from './routing.js';

/**
 * Look-backs asked before the configured one, narrowest first: a movie is usually recorded minutes before it is
 * complete on the camera (an hour), a late one mostly within the day (a camera share back after an outage).
 */
export const NARROWER_LOOK_BACKS_DAYS = [1 / 24, 1];

/** Rows committed this long after their DEF_timestamp are still found by a lookup narrowed to newer stamps. */
export const STAMP_MARGIN_SECONDS = 300;

export type LeginonImageChoice = ImageChoice & {
  rows: RoutingRows;
  /**
   * Set when no image at all had this frames name: the database's time as the lookup began. A later lookup for the
   * same movie needs only rows stamped since (less STAMP_MARGIN_SECONDS): Leginon never inserts a row with an
   * older stamp, and with none before, the newer rows are all the rows.
   */
  noImageAt?: string;
};

/**
 * The look-back is read in bands, newest first: the last hour, the rest of the day, the rest of the look-back. An
 * acquisition found so far that saved frames, is no re-save and is ours is what the whole look-back would choose
 * too (it is newer than anything older, and newest wins), so the lookup stops there; the bands do not overlap, so
 * reading all of them costs what one read of the whole look-back does (see Benchmark, leginondb lookups).
 */
export async function lookUpLeginonImage(
  db: Db,
  input: { cameraHost: string; framesName: string; lookBackDays: number; noImageSince?: string },
  destinationHead: string | undefined,
): Promise<LeginonImageChoice> {
  const startedAt = await databaseNow(db);
  const since = input.noImageSince && { stampedSince: minus(input.noImageSince, STAMP_MARGIN_SECONDS) };
  const bands = [...(since ? [] : NARROWER_LOOK_BACKS_DAYS.filter((days) => days < input.lookBackDays)), input.lookBackDays];
  const rows = { bufferHosts: new Map<number, BufferHostRow | undefined>(), storedBufferFramePaths: new Map<string, string>() };
  const matches = new Map<string, ImageMatch>();
  let choice: LeginonImageChoice = { kind: 'none', reason: 'no-image', count: 0, rows };
  let notWithinDays: number | undefined;
  for (const lookBackDays of bands) {
    for (const match of await findImagesByFramesName(db, input.framesName, input.cameraHost, { lookBackDays, notWithinDays, ...since })) {
      matches.set(`${match.imageClass}:${match.imageId}`, match);
    }
    notWithinDays = lookBackDays;
    const all = [...matches.values()].sort(byLeginonOrder);
    await readRoutingRows(db, all, rows);
    choice = { ...chooseImage(all, rows, destinationHead), rows };
    const image = choice.kind === 'chosen' ? choice.image : undefined;
    if (image?.imageClass === 'AcquisitionImageData' && image.saveFrames && !image.alignFrames) return choice;
  }
  // What the whole look-back chose.
  return choice.kind === 'none' && choice.reason === 'no-image' ? { ...choice, noImageAt: startedAt } : choice;
}

/** `YYYY-MM-DD HH:MM:SS` less some seconds, read and written as UTC so no time zone shifts it. */
function minus(stamp: string, seconds: number): string {
  const earlier = new Date(Date.parse(`${stamp.replace(' ', 'T')}Z`) - seconds * 1000);
  return earlier.toISOString().slice(0, 19).replace('T', ' ');
}

/** Adds to `rows` what the destinations of these matches depend on and it does not hold yet. */
async function readRoutingRows(
  db: Db,
  matches: ImageMatch[],
  rows: RoutingRows & { bufferHosts: Map<number, BufferHostRow | undefined>; storedBufferFramePaths: Map<string, string> },
): Promise<void> {
  for (const id of new Set(matches.map((m) => m.cameraInstrumentId))) {
    if (!rows.bufferHosts.has(id)) rows.bufferHosts.set(id, await findNewestBufferHost(db, id));
  }
  const stored = rows.storedBufferFramePaths;
  for (const match of matches) {
    const host = activeBufferHost(match, rows);
    const key = host && storedPathKey(match.session.id, host.id);
    if (!key || stored.has(key)) continue;
    const path = await findBufferFramePath(db, match.session.id, host.id);
    // An empty entry remembers "asked, none": the path is then built, as ddinfo builds it.
    stored.set(key, path ?? '');
  }
}
