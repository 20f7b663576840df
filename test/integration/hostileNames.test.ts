import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { ROLES } from '../../workers/roles.js';
import { useHarness, waitForStage, waitUntil } from '../helpers/harness.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

describe('odd and hostile names from the camera and from leginondb', () => {
  const env = useHarness('hostile', { roles: ROLES });

  async function ingest(framesName: string, imageFilename: string, withRow = true) {
    const movie = await env.h.microscope.acquire({ bytes: 64 * 1024, framesName, imageFilename, ...(withRow ? {} : { rowDelayMs: null }) });
    const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', framesName));
    await waitUntil(() => handle.describe(), `the watcher to start ${JSON.stringify(framesName)}`);
    return { movie, handle };
  }

  it('takes spaces and non-ASCII letters in frames names and filenames as they are', async () => {
    const { movie, handle } = await ingest('my movie é 01', 'sess ü_00001hln');
    const archived = await waitForStage(handle, ['archived', 'expiring', 'expired']);
    assert.equal(path.basename(archived.archive!.path), 'sess ü_00001hln.frames.tif');
    assert.equal(existsSync(archived.archive!.path), true);
    assert.equal(existsSync(movie.cameraFile), false);
  });

  for (const [label, filename, reason] of [
    ['a path that climbs out of the session folder', '../../../etc/evil', /slash/],
    ['a newline', 'line\nbreak', /control character/],
    ['a name longer than 255 bytes', 'x'.repeat(250), /longer than 255 bytes/],
    ['an ESC sequence', 'sess\u001b]0;owned\u0007', /control character/],
  ] as const) {
    it(`parks a movie whose Leginon filename has ${label}, deleting nothing`, async () => {
      const framesName = `hostile ${label.length}`;
      const { movie, handle } = await ingest(framesName, filename);
      const parked = await waitForStage(handle, ['parked']);
      assert.match(parked.detail ?? '', reason);
      assert.doesNotMatch(parked.detail ?? '', /[\n\u001b\u009b\u202e\u2028]/, 'the reason shows the name escaped');
      assert.match(parked.detail ?? '', /Nothing is lost/);
      assert.equal(existsSync(movie.cameraFile), true, 'camera file kept');
      assert.ok(!readdirSync(env.h.dirs.archive, { recursive: true }).some((f) => String(f).includes('evil')));
    });
  }

  it('parks a movie whose BufferFramePathData points outside the buffer root', async () => {
    await env.h.db.query("UPDATE `BufferFramePathData` SET `buffer frame path` = '/etc'");
    try {
      const { movie, handle } = await ingest('outside root 01', 'sess_outside');
      const parked = await waitForStage(handle, ['parked']);
      assert.match(parked.detail ?? '', /outside the configured root/);
      assert.equal(existsSync(movie.cameraFile), true);
      assert.equal(existsSync('/etc/sess_outside.frames.tif'), false);
    } finally {
      await env.h.db.query('DELETE FROM `BufferFramePathData`');
    }
  });

  // C1 controls, bidi overrides and line separators cannot be stored in leginondb's latin1 columns: they come from cameras.
  for (const [label, framesName] of [
    ['an ESC sequence', 'evil\u001b[2J\u001b]0;pwned\u0007'],
    ['a C1 control (a one-byte CSI)', 'evil\u009b2J'],
    ['a bidi override', 'evil\u202egnp'],
    ['a line separator', 'evil\u2028next'],
  ] as const) {
    it(`parks a camera file whose name holds ${label}, keeps it on the camera, and bufferctl shows the name escaped`, async () => {
      // Refused before any lookup: no row is needed (and leginondb's latin1 could not hold most of these names).
      const { movie, handle } = await ingest(framesName, `sess_camera_${label.length}`, false);
      const parked = await waitForStage(handle, ['parked']);
      assert.match(parked.detail ?? '', /camera file name "evil\\u\{[0-9A-F]+\}/);
      assert.equal(existsSync(movie.cameraFile), true, 'camera file kept');
      const { stdout } = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'status', handle.workflowId]);
      assert.doesNotMatch(stdout, /[\u001b\u009b\u202e\u2028]/, 'no raw control, bidi or separator character reaches the terminal');
      assert.match(stdout, /evil\\u\{[0-9A-F]+\}/);
    });
  }
});
