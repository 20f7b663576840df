import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { confineReal } from '../../src/fsGuards.js';
import { PathOutsideRootError } from '../../src/paths.js';

describe('confineReal', () => {
  const layout = () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'guards-'));
    const root = path.join(base, 'buffer');
    const outside = path.join(base, 'elsewhere');
    mkdirSync(path.join(root, 'frames'), { recursive: true });
    mkdirSync(outside);
    symlinkSync(outside, path.join(root, 'frames', 'escape'));
    return { root, outside };
  };

  it('accepts folders under the root, existing or not', async () => {
    const { root } = layout();
    assert.equal(await confineReal(root, path.join(root, 'frames', 'new', 'deeper')), path.join(root, 'frames', 'new', 'deeper'));
  });

  it('refuses a path that a symlink inside the root leads out of it', async () => {
    const { root } = layout();
    await assert.rejects(confineReal(root, path.join(root, 'frames', 'escape', 'session')), PathOutsideRootError);
  });
});
