import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readMrc } from '../../src/mrc.js';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { orientReference, scaled } from '../../src/references.js';
import { ROLES } from '../../workers/roles.js';
import { useHarness, waitForStage } from '../helpers/harness.js';

describe('references beside the frames (rawtransfer reference copier, transfermonitor sync)', () => {
  const env = useHarness('references', { roles: ROLES, overrides: { expiry: { after: '1h' } } });

  it('copies norm and dark once, writes turned and scaled _mod copies, lists each movie, and archives the folder', async () => {
    const refs = await env.h.microscope.recordReferences({ flip: true, rotate: 1, darkFrames: 40 });
    const first = await env.h.microscope.acquire({ bytes: 50_000 });
    const second = await env.h.microscope.acquire({ bytes: 50_000 });
    const statuses = [];
    for (const movie of [first, second]) {
      statuses.push(await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName)), ['archived']));
    }
    assert.deepEqual(statuses[0]!.references, {
      norm: `${refs.norm}_mod.mrc`,
      dark: `${refs.dark}_mod.mrc`,
      defectPlan: `defect_plan${String(refs.planId).padStart(4, '0')}_mod.txt`,
    });

    const bufferRefs = path.join(env.h.sessionDirs.buffer, 'references');
    const plan = `defect_plan${String(refs.planId).padStart(4, '0')}`;
    const expectedFiles = [
      `${plan}.txt`,
      `${plan}_mod.txt`,
      'failed_reference_read.txt',
      `${refs.dark}.mrc`,
      `${refs.dark}_mod.mrc`,
      `${refs.norm}.mrc`,
      `${refs.norm}_mod.mrc`,
      'reference_list.txt',
    ].sort();
    assert.deepEqual(readdirSync(bufferRefs).sort(), expectedFiles);
    const [header, ...lines] = readFileSync(path.join(bufferRefs, 'reference_list.txt'), 'utf8').trimEnd().split('\n');
    assert.equal(header, 'image_name\tflip\trotate\tdark_scale\tnorm_image\tdark_image\tdefect_plan');
    assert.deepEqual(
      lines.sort(),
      [first, second].map((m) => `${m.imageFilename}.frames.tif\tT\t90\t40\t${refs.norm}_mod.mrc\t${refs.dark}_mod.mrc\t${plan}_mod.txt`).sort(),
    );
    assert.equal(readFileSync(path.join(bufferRefs, `${plan}.txt`), 'utf8'), '[5]\n[1]\n[(2, 0)]\n');
    // 6 x 4 image, up-down flip then one clockwise quarter turn (the gain reference's mapping): column 5 becomes
    // row 5, row 1 (flipped to 2) becomes column 1, pixel (2, 0) (flipped to (2, 3)) becomes (0, 2).
    assert.equal(readFileSync(path.join(bufferRefs, `${plan}_mod.txt`), 'utf8'), '[1]\n[5]\n[(0, 2)]\n');

    const imagePath = path.join(env.h.dirs.archive, 'leginon', 'demo', env.h.sessionName, 'rawdata');
    const dark = await readMrc(path.join(imagePath, `${refs.dark}.mrc`));
    const darkMod = await readMrc(path.join(bufferRefs, `${refs.dark}_mod.mrc`));
    const expected = scaled(orientReference(dark, { flip: true, rotate: 1 }), 40);
    assert.deepEqual([darkMod.width, darkMod.height], [expected.width, expected.height]);
    assert.deepEqual(Array.from(darkMod.pixels), Array.from(expected.pixels));

    const archiveRefs = path.join(env.h.sessionDirs.archive, 'references');
    assert.deepEqual(readdirSync(archiveRefs).sort(), expectedFiles);
    assert.equal(readFileSync(path.join(archiveRefs, 'reference_list.txt'), 'utf8').trim().split('\n').length, 3);
  });

  it('lists an unreadable reference in failed_reference_read.txt and still ingests the movie', async () => {
    const refs = await env.h.microscope.recordReferences({ flip: false, rotate: 0, darkFrames: 1 });
    const imagePath = path.join(env.h.dirs.archive, 'leginon', 'demo', env.h.sessionName, 'rawdata');
    rmSync(path.join(imagePath, `${refs.norm}.mrc`));
    const movie = await env.h.microscope.acquire({ bytes: 50_000 });
    const archived = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName)), ['archived']);
    assert.match(archived.warnings.join('\n'), /norm reference .* is unreadable/);
    assert.deepEqual(archived.references, {
      norm: `${refs.norm}.mrc`,
      dark: `${refs.dark}.mrc`,
      defectPlan: `defect_plan${String(refs.planId).padStart(4, '0')}.txt`,
    });
    const failed = readFileSync(path.join(env.h.sessionDirs.buffer, 'references', 'failed_reference_read.txt'), 'utf8');
    assert.ok(failed.includes(path.join(imagePath, `${refs.norm}.mrc`)), failed);
  });
});
