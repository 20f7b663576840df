import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeMrc, encodeMrc, type Image2D } from '../../src/mrc.js';
import {
  darkScale,
  defectPlanFileName,
  defectPlanText,
  orientDefectPlan,
  orientPoint,
  orientReference,
  parseDefectPlan,
  referenceFileName,
  referenceListLine,
  scaled,
} from '../../src/references.js';

/** 3 wide, 2 high: rows [1 2 3] and [4 5 6]. */
const image: Image2D = { width: 3, height: 2, pixels: Float32Array.from([1, 2, 3, 4, 5, 6]) };
const rows = (i: Image2D) => Array.from({ length: i.height }, (_, r) => Array.from(i.pixels.subarray(r * i.width, (r + 1) * i.width)));

describe('orientReference (numpy semantics of the reference copier)', () => {
  it('flips up-down', () => {
    assert.deepEqual(rows(orientReference(image, { flip: true, rotate: 0 })), [[4, 5, 6], [1, 2, 3]]);
  });

  it('flip + half turn is one left-right flip', () => {
    assert.deepEqual(rows(orientReference(image, { flip: true, rotate: 2 })), [[3, 2, 1], [6, 5, 4]]);
  });

  it('undoes a quarter turn with three counter-clockwise quarter turns', () => {
    // rot90(a, 3) of [[1,2,3],[4,5,6]] is [[4,1],[5,2],[6,3]]
    assert.deepEqual(rows(orientReference(image, { flip: false, rotate: 1 })), [[4, 1], [5, 2], [6, 3]]);
    // rot90(a, 1) is [[3,6],[2,5],[1,4]]
    assert.deepEqual(rows(orientReference(image, { flip: false, rotate: 3 })), [[3, 6], [2, 5], [1, 4]]);
  });

  it('leaves an image alone with no flip and no rotation', () => {
    assert.deepEqual(rows(orientReference(image, { flip: false, rotate: 0 })), rows(image));
  });
});

describe('dark scaling and names', () => {
  it('scales a dark by its frame count unless it is blank or the count is 0', () => {
    assert.equal(darkScale(image, 40), 40);
    assert.equal(darkScale({ ...image, pixels: new Float32Array(6) }, 40), 1);
    assert.equal(darkScale(image, 0), 1);
    assert.deepEqual(Array.from(scaled(image, 2).pixels), [0.5, 1, 1.5, 2, 2.5, 3]);
  });

  it('writes reference_list.txt lines in the header order', () => {
    assert.equal(
      referenceListLine({ movieName: 'a.frames.tif', orientation: { flip: true, rotate: 1 }, darkScale: 40, norm: referenceFileName('n', true), dark: referenceFileName('d', true) }),
      'a.frames.tif\tT\t90\t40\tn_mod.mrc\td_mod.mrc\n',
    );
    assert.equal(referenceListLine({ movieName: 'b', orientation: { flip: false, rotate: 0 }, darkScale: 1 }), 'b\tF\t0\t1\t\t\n');
  });
});

describe('MRC', () => {
  it('round-trips a float32 image', () => {
    assert.deepEqual(rows(decodeMrc(encodeMrc(image))), rows(image));
  });

  it('refuses truncated files', () => {
    assert.throws(() => decodeMrc(encodeMrc(image).subarray(0, 1030)), /truncated/);
    assert.throws(() => decodeMrc(Buffer.alloc(10)), /not an MRC file/);
  });
});

describe('defect plans', () => {
  it('reads sinedon sequences and writes the three-line plan', () => {
    const plan = parseDefectPlan('(3,)', '[1, 2]', '[(4, 0), (5, 1)]');
    assert.deepEqual(plan, { badColumns: [3], badRows: [1, 2], badPixels: [[4, 0], [5, 1]] });
    assert.equal(defectPlanText(plan), '[3]\n[1, 2]\n[(4, 0), (5, 1)]\n');
    assert.equal(defectPlanFileName(41, false), 'defect_plan0041.txt');
    assert.equal(defectPlanFileName(41, true), 'defect_plan0041_mod.txt');
  });

  it('turns a plan with the frames: an up-down flip moves rows, a quarter turn makes rows columns', () => {
    const plan = { badColumns: [0], badRows: [1], badPixels: [[2, 0]] as [number, number][] };
    // 3 wide, 2 high. Up-down flip: row 1 -> row 0; pixel (2,0) -> (2,1); column 0 stays.
    assert.deepEqual(orientDefectPlan(plan, 3, 2, { flip: true, rotate: 0 }), { badColumns: [0], badRows: [0], badPixels: [[2, 1]] });
    // rotate 1 is undone by rot90 x3: (x, y) -> (H-1-y, x) with H = 2; row 1 -> column 0; column 0 -> row 0.
    assert.deepEqual(orientDefectPlan(plan, 3, 2, { flip: false, rotate: 1 }), { badColumns: [0], badRows: [0], badPixels: [[1, 2]] });
  });

  it('moves every pixel where orientReference moves it, for every flip and rotation', () => {
    const [width, height] = [5, 3];
    const image = { width, height, pixels: Float32Array.from({ length: width * height }, (_, i) => i) };
    for (const flip of [false, true]) {
      for (const rotate of [0, 1, 2, 3]) {
        const turned = orientReference(image, { flip, rotate });
        for (let i = 0; i < width * height; i++) {
          const [x, y] = orientPoint(i % width, Math.floor(i / width), width, height, { flip, rotate });
          assert.equal(turned.pixels[y * turned.width + x], i, `flip ${flip} rotate ${rotate} pixel ${i}`);
        }
      }
    }
  });

  it("turns gain and dark references at a K3's and a Falcon's real size, each pixel where its defect plan entry goes", () => {
    for (const [width, height] of [[5760, 4092], [4096, 4096]] as const) {
      const pixels = new Float32Array(width * height);
      const marked: [number, number][] = [[0, 0], [width - 1, 0], [17, height - 1], [width - 1, height - 1], [1234, 2345]];
      marked.forEach(([x, y], i) => (pixels[y * width + x] = i + 1));
      for (const orientation of [{ flip: true, rotate: 1 }, { flip: false, rotate: 3 }, { flip: true, rotate: 2 }]) {
        const turned = orientReference({ width, height, pixels }, orientation);
        assert.equal(turned.pixels.length, width * height);
        marked.forEach(([x, y], i) => {
          const [tx, ty] = orientPoint(x, y, width, height, orientation);
          assert.equal(turned.pixels[ty * turned.width + tx], i + 1, `${width} x ${height} ${JSON.stringify(orientation)}: pixel (${x}, ${y})`);
        });
      }
    }
  });

  it("turns plans at real camera sizes in time proportional to the defects (K3, K3 super-resolution, Falcon, DE)", () => {
    for (const [width, height] of [[5760, 4092], [11520, 8184], [4096, 4096], [8192, 8192]] as const) {
      const plan = { badColumns: [0, width - 1], badRows: [17, height - 1], badPixels: [[width - 1, height - 1]] as [number, number][] };
      const started = process.hrtime.bigint();
      const turned = orientDefectPlan(plan, width, height, { flip: true, rotate: 1 });
      assert.ok(process.hrtime.bigint() - started < 1_000_000_000n, `${width} x ${height} took over a second: it walks the pixels`);
      // rotate 1 undone by three quarter turns after the up-down flip: the frames are height x width.
      for (const [x, y] of turned.badPixels) assert.ok(x < height && y < width, `${width} x ${height}: (${x}, ${y}) inside the turned frames`);
      assert.equal(turned.badColumns.length + turned.badRows.length, 4);
    }
  });
});
