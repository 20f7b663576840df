import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Image2D } from '../../src/mrc.js';
import { checkGain } from '../../src/preprocess/gainCheck.js';
import { orientReference, type FrameOrientation } from '../../src/references.js';
import { makeDriftMovie } from '../../src/simulator/driftMovie.js';
import { cameraSensitivity } from '../../src/simulator/gain.js';
import { SIMULATED_SPECIMEN_OPTICS } from '../../src/simulator/microscope.js';
import { seededRandom } from '../../src/simulator/random.js';

const SIZE = 256;
/** How the simulated camera PC saved the frames (CameraEMData frame flip / frame rotate). */
const SAVED: FrameOrientation = { flip: true, rotate: 1 };
const sensitivity: Image2D = { width: SIZE, height: SIZE, pixels: cameraSensitivity(SIZE, SIZE, seededRandom(11)) };
/** The norm reference as Leginon saves it: the inverse of the camera's sensitivity, in the camera's orientation. */
const norm: Image2D = { ...sensitivity, pixels: sensitivity.pixels.map((s) => 1 / s) };

/** The raw sum of a 40-frame movie (50 e/Å²) counted through the camera's pattern, turned as saved. */
function rawSum(camera: Image2D): Image2D {
  const movie = makeDriftMovie({
    width: SIZE,
    height: SIZE,
    frames: 40,
    drift: { x: 0.4, y: -0.2 },
    electronsPerPixel: 1.25 * SIMULATED_SPECIMEN_OPTICS.pixelSize ** 2,
    optics: SIMULATED_SPECIMEN_OPTICS,
    sensitivity: orientReference(camera, SAVED).pixels,
    seed: 5,
  });
  const pixels = new Float32Array(SIZE * SIZE);
  for (const frame of movie.frames) frame.forEach((v, i) => (pixels[i]! += v));
  return { width: SIZE, height: SIZE, pixels };
}

describe('gain sentinel: the orientation that flattens the fixed pattern, and defects the plan lacks', () => {
  const sum = rawSum(sensitivity);

  it('stays quiet when the configured orientation is the one the frames were saved in', () => {
    const check = checkGain(sum, norm, SAVED);
    assert.equal(check.wrongOrientation, false, check.verdict);
    assert.deepEqual(check.best, SAVED);
    assert.deepEqual([check.newBadColumns, check.newBadRows, check.newHotPixels], [[], [], []]);
    assert.match(check.verdict, /flattens the frames as configured \(flip yes, rotate 1\)/);
  });

  it('names the orientation that fits when the configured one is wrong, with the evidence', () => {
    const check = checkGain(sum, norm, { flip: false, rotate: 0 });
    assert.equal(check.wrongOrientation, true);
    assert.deepEqual(check.best, SAVED);
    assert.equal(check.scores.length, 8);
    assert.match(check.verdict, /^the gain fits the frames turned flip yes, rotate 1, not the configured flip no, rotate 0 \(fixed-pattern residual .* against .*\)$/);
  });

  it('finds a column that went bad after the gain reference was taken, unless the defect plan has it', () => {
    const aged = { ...sensitivity, pixels: sensitivity.pixels.map((s, i) => (i % SIZE === 37 ? s * 1.5 : s)) };
    const agedSum = rawSum(aged);
    // Column 37 of the camera lands where the saved frames put it.
    const column = new Set(Array.from({ length: SIZE }, (_, y) => orientReference({ width: SIZE, height: SIZE, pixels: Float32Array.from({ length: SIZE * SIZE }, (_, i) => (i === y * SIZE + 37 ? 1 : 0)) }, SAVED).pixels.indexOf(1)));
    const stale = checkGain(agedSum, norm, SAVED);
    assert.equal(stale.wrongOrientation, false);
    const found = [...stale.newBadColumns.map((x) => `column ${x}`), ...stale.newBadRows.map((y) => `row ${y}`)];
    assert.equal(found.length, 1, stale.verdict);
    const landed = [...column].map((i) => (stale.newBadRows.length ? Math.floor(i / SIZE) : i % SIZE));
    assert.ok(landed.every((at) => at === (stale.newBadRows[0] ?? stale.newBadColumns[0])), `${found[0]} is where camera column 37 lands`);
    const planned = checkGain(agedSum, norm, SAVED, { badColumns: stale.newBadColumns, badRows: stale.newBadRows, badPixels: [] });
    assert.match(planned.verdict, /no new defects/);
  });
});
