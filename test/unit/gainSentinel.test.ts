import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { encodeMrc, encodeMrcStack } from '../../src/mrc.js';
import { runGainSentinel, type GainSentinelJob } from '../../src/preprocess/gainSentinel.js';
import { SafeRoot } from '../../src/safeFs.js';

/** The sentinel runs as root among session folders: a link planted at the movie or the reference is not followed. */
describe('gain sentinel among hostile folders', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gain-sentinel-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const [buffer, archive, elsewhere] = ['buffer', 'gpfs', 'elsewhere'].map((name) => path.join(dir, name)) as [string, string, string];
  const frames = path.join(buffer, '26dec04a', 'rawdata');
  mkdirSync(path.join(frames, 'references'), { recursive: true });
  mkdirSync(archive);
  mkdirSync(elsewhere);
  const flat = { width: 8, height: 8, pixels: new Float32Array(64).fill(1) };
  writeFileSync(path.join(elsewhere, 'secret.mrc'), encodeMrc(flat));
  writeFileSync(path.join(elsewhere, 'movie.mrc'), encodeMrcStack({ width: 8, height: 8, frames: [flat.pixels, flat.pixels] }));
  const roots = { buffer: new SafeRoot(buffer), archive: new SafeRoot(archive) };
  const job = (over: Partial<GainSentinelJob>): GainSentinelJob => ({
    movieWorkflowId: 'movie:k3:x',
    session: '26dec04a',
    imageFilename: '26dec04a_00001ex',
    moviePath: path.join(frames, '26dec04a_00001ex.frames.mrc'),
    format: 'mrc',
    gainPath: path.join(frames, 'references', '26dec04a_ref_norm_0_mod.mrc'),
    orientation: { flip: false, rotate: 0 },
    frames: 2,
    ...over,
  });

  it('refuses a norm reference that is a link, and a movie that is a link, with the reason in the note', async () => {
    writeFileSync(path.join(frames, '26dec04a_00001ex.frames.mrc'), encodeMrcStack({ width: 8, height: 8, frames: [flat.pixels, flat.pixels] }));
    symlinkSync(path.join(elsewhere, 'secret.mrc'), path.join(frames, 'references', '26dec04a_ref_norm_0.mrc'));
    const planted = await runGainSentinel(job({}), roots);
    assert.deepEqual(planted.problem, false);
    assert.match(planted.verdict, /^gain check not made: .*26dec04a_ref_norm_0\.mrc is a symbolic link; refusing to follow it/);

    rmSync(path.join(frames, 'references', '26dec04a_ref_norm_0.mrc'));
    writeFileSync(path.join(frames, 'references', '26dec04a_ref_norm_0.mrc'), encodeMrc(flat));
    symlinkSync(path.join(elsewhere, 'movie.mrc'), path.join(frames, 'linked.frames.mrc'));
    const linkedMovie = await runGainSentinel(job({ moviePath: path.join(frames, 'linked.frames.mrc') }), roots);
    assert.match(linkedMovie.verdict, /^gain check not made: .*linked\.frames\.mrc is a symbolic link; refusing to follow it/);
  });

  it('refuses a movie outside the buffer and archive roots', async () => {
    const outside = await runGainSentinel(job({ moviePath: path.join(elsewhere, 'movie.mrc') }), roots);
    assert.match(outside.verdict, /^gain check not made: .*movie\.mrc lies outside the buffer root/);
  });
});
