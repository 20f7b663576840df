import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom } from '../../src/simulator/random.js';
import { imagesAt, specimenSpectrum } from '../../src/simulator/specimen.js';

const SIZE = 64;
const OPTICS = { voltageKv: 300, csMm: 2.7, amplitudeContrast: 0.07, pixelSize: 1.1 };
const spectrum = specimenSpectrum(SIZE, OPTICS, { defocus1: 15_000, defocus2: 14_600, azimuth: 30 }, seededRandom(7));

const variance = (image: Float32Array) => image.reduce((sum, v) => sum + (v - 1) ** 2, 0) / image.length;

describe('the simulated specimen moves by exact shifts', () => {
  it('a whole-pixel shift is the image moved by whole pixels, in both halves of a paired transform and in an odd last one', () => {
    const [still, moved, alone] = [...imagesAt(spectrum, SIZE, [{ x: 0, y: 0 }, { x: 3, y: -2 }, { x: -5, y: 1 }])];
    for (const [image, shift] of [[moved!, { x: 3, y: -2 }], [alone!, { x: -5, y: 1 }]] as const) {
      let worst = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const from = ((y - shift.y + SIZE) % SIZE) * SIZE + ((x - shift.x + SIZE) % SIZE);
          worst = Math.max(worst, Math.abs(image[y * SIZE + x]! - still![from]!));
        }
      }
      assert.ok(worst < 1e-6, `largest difference ${worst} for a shift of ${shift.x},${shift.y}`);
    }
  });

  it('a sub-pixel shift keeps all the contrast (interpolation would blur it away along the shift)', () => {
    const [still, halfway] = [...imagesAt(spectrum, SIZE, [{ x: 0, y: 0 }, { x: 0.5, y: 0.5 }])];
    assert.ok(Math.abs(variance(halfway!) / variance(still!) - 1) < 0.01, `contrast ratio ${variance(halfway!) / variance(still!)}`);
  });
});
