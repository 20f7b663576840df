import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { ROLES } from '../../workers/roles.js';
import { useHarness, waitForStage } from '../helpers/harness.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

describe('bufferctl reconcile', () => {
  const env = useHarness('reconcile', { roles: ROLES, overrides: { expiry: { after: '1h' } } });

  it('reports images without movies, lost archive copies and stray files, each with its repair, and changes nothing', async () => {
    const kept = await env.h.microscope.acquire({ bytes: 30_000 });
    const lost = await env.h.microscope.acquire({ bytes: 30_000 });
    const keptStatus = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', kept.framesName)), ['archived']);
    const lostStatus = await waitForStage(env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', lost.framesName)), ['archived']);
    rmSync(lostStatus.archive!.path);
    await env.h.microscope.recordImage('20251125_99999901', '25nov25a_never_seen');
    // Images without dose fractionation have no movie: a K3 records `dummy`, others repeat the previous name.
    await env.h.microscope.recordImage('dummy', '25nov25a_00001gr', { saveFrames: false });
    await env.h.microscope.recordImage(kept.framesName, '25nov25a_00001gr_00002sq', { saveFrames: false });
    const stray = path.join(path.dirname(keptStatus.buffer!.path), 'stray_image.frames.tif');
    writeFileSync(stray, 'not from this session');

    const { stdout } = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'reconcile', '--session', '25nov25a']);
    assert.match(stdout, /^session 25nov25a: 3 images with saved frames, 3 findings$/m);
    assert.match(stdout, /MISSING {2}25nov25a_never_seen \(AcquisitionImageData, frames 20251125_99999901 on sim-k3\)\n {6}leginondb has the image but no movie was ever seen for it\n {6}repair: look for 20251125_99999901\.\* on the camera share of sim-k3/);
    assert.match(stdout, new RegExp(`ARCHIVE-MISSING  ${lost.imageFilename} .*\\n {6}the archive copy .* is gone\\n {6}repair: expire it now.*\\n {6}run: bufferctl expire movie:sim-k3:${lost.framesName}`));
    assert.match(stdout, /ORPHAN  .*stray_image\.frames\.tif\n {6}no image of this session has this name/);
    assert.doesNotMatch(stdout, new RegExp(kept.imageFilename));
    assert.equal(existsSync(stray), true, 'reconcile only reports');
    assert.equal(existsSync(lostStatus.archive!.path), false, 'reconcile only reports');

    // Same size, one bit different: only a hash pass sees it.
    const archived = keptStatus.archive!.path;
    const bytes = readFileSync(archived);
    bytes[bytes.length >> 1]! ^= 0x01;
    writeFileSync(archived, bytes);
    const bySize = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'reconcile', '--session', '25nov25a']);
    assert.doesNotMatch(bySize.stdout, new RegExp(kept.imageFilename));
    const byHash = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'reconcile', '--session', '25nov25a', '--hashes']);
    assert.match(byHash.stdout, new RegExp(`HASH-MISMATCH  ${kept.imageFilename} .*\\n {6}${archived} hashes to [0-9a-f]{16}, the camera file to ${keptStatus.fingerprint!.hash}`));
  });
});
