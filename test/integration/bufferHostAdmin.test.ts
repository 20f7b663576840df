import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { listBufferHostAssignments } from '../../src/leginondb.js';
import { startRoles } from '../../workers/roles.js';
import { useHarness } from '../helpers/harness.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));

describe('bufferctl buffer-host, against leginondb in MariaDB', () => {
  const env = useHarness('bufferhost');
  const bufferctl = (...args: string[]) =>
    execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'buffer-host', ...args], { reject: false });

  it('disables and re-enables the pair, printing before and after', async () => {
    const off = await bufferctl('disable', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1');
    assert.equal(off.exitCode, 0, off.stderr);
    assert.match(off.stdout, /was enabled, base path .*; now DISABLED/);
    assert.equal((await listBufferHostAssignments(env.h.db, 'sim-k3'))[0]?.disabled, true);

    const on = await bufferctl('enable', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1');
    assert.match(on.stdout, /was DISABLED.*; now enabled/);
    const shown = await bufferctl('show');
    assert.match(shown.stdout, /sim-k3 \(camera SimK3, id \d+\) -> buffer1: enabled/);
  });

  it('edits the newest of duplicate rows (the one everything reads) and says older ones exist', async () => {
    const [[row]] = (await env.h.db.query('SELECT * FROM `BufferHostData` ORDER BY `DEF_id` DESC LIMIT 1')) as unknown as [Record<string, unknown>[]];
    await env.h.db.query('INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`) VALUES (?, ?, ?, 0)', [
      row!['REF|InstrumentData|ccdcamera'],
      row!['buffer hostname'],
      row!['buffer base path'],
    ]);
    try {
      const off = await bufferctl('disable', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1');
      assert.equal(off.exitCode, 0, off.stderr);
      assert.match(off.stdout, new RegExp(`older rows ${row!.DEF_id} for the same pair are left as they are`));
      const [newest, older] = await listBufferHostAssignments(env.h.db, 'sim-k3');
      assert.equal(newest!.disabled, true);
      assert.equal(older!.id, row!.DEF_id);
      assert.equal(older!.disabled, false, 'the older duplicate is left as it is');
    } finally {
      await env.h.db.query('DELETE FROM `BufferHostData` WHERE `DEF_id` > ?', [row!.DEF_id]);
    }
  });

  it('an io worker refuses to start for a camera host that is no InstrumentData hostname, naming the key', async () => {
    const typo = { ...env.h.config, cameras: [{ ...env.h.config.cameras[0]!, host: 'sim-k3x' }] };
    await assert.rejects(startRoles(typo, { roles: ['io'] }), /cameras\[0\]\.host "sim-k3x" is the hostname of no InstrumentData row in leginondb/);
  });

  it('setup with a new base path adds the setting, and refuses bad input with a clear message', async () => {
    const moved = await bufferctl('setup', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1', '--base-path', '/bufferdata/new', '--append-full-head');
    assert.match(moved.stdout, /now enabled, base path \/bufferdata\/new, append full head/);
    const unknown = await bufferctl('setup', '--camera-host', 'no-such-pc', '--buffer-host', 'buffer1', '--base-path', '/x');
    assert.equal(unknown.exitCode, 2);
    assert.match(unknown.stderr, /no InstrumentData row has hostname "no-such-pc"/);
    const relative = await bufferctl('setup', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1', '--base-path', 'frames');
    assert.equal(relative.exitCode, 2);
    assert.match(relative.stderr, /must be absolute/);
  });
});

describe('bufferctl buffer-host on a leginondb older than 2022', () => {
  const env = useHarness('bufferhost2017', { leginonEra: 'pre-2022' });
  const bufferctl = (...args: string[]) =>
    execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'buffer-host', ...args], { reject: false });

  it('sets up and disables the pair with the columns the table has, and says `append full head` cannot be stored', async () => {
    const moved = await bufferctl('setup', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1', '--base-path', '/bufferdata/moved');
    assert.equal(moved.exitCode, 0, moved.stderr);
    assert.match(moved.stdout, /now enabled, base path \/bufferdata\/moved/);
    assert.match(moved.stdout, /`append full head` cannot be stored in this leginondb/);
    const full = await bufferctl('setup', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1', '--base-path', '/bufferdata/moved', '--append-full-head');
    assert.equal(full.exitCode, 2);
    assert.match(full.stderr, /`append full head` cannot be stored in this leginondb: its BufferHostData has no such column/);
    const off = await bufferctl('disable', '--camera-host', 'sim-k3', '--buffer-host', 'buffer1');
    assert.equal(off.exitCode, 0, off.stderr);
    assert.equal((await listBufferHostAssignments(env.h.db, 'sim-k3'))[0]?.disabled, true);
  });
});
