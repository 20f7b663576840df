/**
 * A counting camera's fixed pattern: each pixel's sensitivity relative to the mean, as a gain (norm) reference
 * measures it. Columns differ (readout sections), pixels differ, and the illumination falls off towards the edges.
 */
import { gaussian, type Random } from './random.js';

const COLUMN_SPREAD = 0.04;
const PIXEL_SPREAD = 0.03;
const FALLOFF = 0.06;

export function cameraSensitivity(width: number, height: number, next: Random): Float32Array {
  const columns = Array.from({ length: width }, () => COLUMN_SPREAD * gaussian(next));
  const sensitivity = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r2 = ((x - width / 2) / width) ** 2 + ((y - height / 2) / height) ** 2;
      sensitivity[y * width + x] = Math.max(0.5, 1 + columns[x]! + PIXEL_SPREAD * gaussian(next) - FALLOFF * r2 * 2);
    }
  }
  return sensitivity;
}
