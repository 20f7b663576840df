import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lzwCompress } from '../../src/simulator/tiff.js';

/** TIFF 6.0 LZW decoding as libtiff does it (widening one code early), to check the writer's code widths. */
function lzwDecompress(data: Buffer): Uint8Array {
  const out: number[] = [];
  let table: number[][] = [];
  let width = 9;
  let bitPosition = 0;
  const read = () => {
    let code = 0;
    for (let i = 0; i < width; i++, bitPosition++) code = (code << 1) | ((data[bitPosition >> 3]! >> (7 - (bitPosition & 7))) & 1);
    return code;
  };
  let previous: number[] | undefined;
  for (;;) {
    const code = read();
    if (code === 257) break;
    if (code === 256) {
      table = Array.from({ length: 258 }, (_, i) => [i]);
      width = 9;
      previous = undefined;
      continue;
    }
    const entry = code < table.length ? table[code]! : [...previous!, previous![0]!];
    if (code > table.length) throw new Error(`code ${code} not yet in the table of ${table.length}`);
    out.push(...entry);
    if (previous) table.push([...previous, entry[0]!]);
    previous = entry;
    if (table.length + 1 >= 1 << width && width < 12) width++;
  }
  return Uint8Array.from(out);
}

describe('the K3-style LZW TIFF writer', () => {
  for (const [what, bytes] of [
    ['counts of a counting camera', Uint8Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) % 7 === 0 ? 2 : (i >> 3) % 3)],
    ['noise that fills the table many times', Uint8Array.from({ length: 200_000 }, (_, i) => ((i * 2654435761) >>> 13) & 0xff)],
    ['one byte', Uint8Array.of(9)],
    ['nothing', new Uint8Array(0)],
  ] as const) {
    it(`round-trips ${what}`, () => {
      assert.deepEqual(lzwDecompress(lzwCompress(bytes)), bytes);
    });
  }
});
