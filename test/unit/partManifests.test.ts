import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { PlacedPart } from '../../src/movie.js';
import { MANIFEST_FOLDER, PartManifests } from '../../src/partManifests.js';
import { conflictedPaths, INLINE_PARTS_LIMIT, mainPart, manifestsOf, partCount, totalBytes, type Parts } from '../../src/parts.js';
import { SafeRoot } from '../../src/safeFs.js';

const part = (i: number, conflict = 0) => ({
  targetSuffix: `.frames/frame_${String(i).padStart(6, '0')}.tif`,
  path: `/buffer/session/rawdata/x.frames/frame_${String(i).padStart(6, '0')}${conflict ? `.conflict-${conflict}` : ''}.tif`,
  fingerprint: { bytes: 1_000 + (i % 7), hash: i.toString(16).padStart(16, '0') },
  conflict,
});

describe('part lists: inline when short, a manifest file when long', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const manifests = new PartManifests(new SafeRoot(root));

  it('keeps a short list inline', async () => {
    const list = [part(1), part(2)];
    assert.equal(await manifests.store(list), list);
  });

  it('carries a 100,000-part DE folder in a reference of under 2 KiB, and reads back the same list', async () => {
    const list = Array.from({ length: 100_000 }, (_, i) => part(i, i === 5 || i > 99_980 ? 1 : 0));
    const stored = await manifests.store(list);
    const payload = JSON.stringify(stored).length;
    assert.ok(payload < 2_048, `reference is ${payload} B`);
    assert.equal(partCount(stored), 100_000);
    assert.equal(totalBytes(stored), totalBytes(list));
    assert.equal(mainPart(stored), mainPart(list));
    const conflicts = conflictedPaths(stored as Parts<PlacedPart & { conflict: number }>);
    assert.equal(conflicts.count, 20);
    assert.equal(conflicts.paths[0], part(5, 1).path);
    assert.deepEqual(await manifests.load(stored), list);
    assert.deepEqual(await manifests.store(list), stored, 'storing again (a retried activity) gives the same reference');
  });

  it('refuses a manifest that changed, went, or a reference naming something else; drops what it is told', async () => {
    const stored = await manifests.store(Array.from({ length: INLINE_PARTS_LIMIT + 1 }, (_, i) => part(i)));
    const [name] = manifestsOf([stored, [part(1)]]);
    const file = path.join(root, MANIFEST_FOLDER, `${name}.json`);
    writeFileSync(file, '[]');
    await assert.rejects(manifests.load(stored), /hashes to .*, not to its name; nothing was done/);
    await manifests.drop([name!]);
    await assert.rejects(manifests.load(stored), /is missing; nothing was done/);
    await assert.rejects(manifests.load({ ...(stored as object), manifest: '../../etc/passwd' } as never), /is not a part manifest's name/);
    assert.deepEqual(
      readdirSync(path.join(root, MANIFEST_FOLDER)).filter((f) => f === `${name}.json`),
      [],
    );
  });
});
