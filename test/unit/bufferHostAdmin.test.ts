import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferHostAdminError, planBufferHostChange } from '../../src/bufferHostAdmin.js';
import type { BufferHostAssignment } from '../../src/leginondb.js';

const cameras = [
  { id: 3, name: 'K3' },
  { id: 4, name: 'K3-counting' },
];
const row = (over: Partial<BufferHostAssignment>): BufferHostAssignment => ({
  id: 10,
  cameraInstrumentId: 3,
  cameraName: 'K3',
  cameraHostname: 'k3pc',
  bufferHostname: 'buf1',
  basePath: '/buffer/frames',
  disabled: false,
  appendFullHead: false,
  ...over,
});
const setup = { kind: 'setup', cameraHost: 'k3pc', bufferHost: 'buf1', basePath: '/buffer/frames', appendFullHead: false } as const;

describe('planBufferHostChange (buffer_host_setup.py rules)', () => {
  it('pairs every camera with the host name, inserting enabled rows', () => {
    const changes = planBufferHostChange(setup, cameras, []);
    assert.deepEqual(changes.map((c) => [c.kind, c.cameraName]), [['insert', 'K3'], ['insert', 'K3-counting']]);
  });

  it('a new base path re-enables a disabled pair; append full head is updated', () => {
    const [change] = planBufferHostChange({ ...setup, basePath: '/buffer2', appendFullHead: true }, [cameras[0]!], [row({ disabled: true })]);
    assert.deepEqual(change, {
      kind: 'update',
      id: 10,
      cameraName: 'K3',
      before: { basePath: '/buffer/frames', disabled: true, appendFullHead: false },
      after: { basePath: '/buffer2', disabled: false, appendFullHead: true },
    });
  });

  it('the same base path leaves a disabled pair disabled', () => {
    const [change] = planBufferHostChange(setup, [cameras[0]!], [row({ disabled: true })]);
    assert.equal(change?.kind, 'unchanged');
  });

  it('enable and disable toggle only `disabled`, and need an existing pair', () => {
    const [off] = planBufferHostChange({ kind: 'disable', cameraHost: 'k3pc', bufferHost: 'buf1' }, [cameras[0]!], [row({})]);
    assert.equal(off?.kind === 'update' && off.after.disabled, true);
    assert.throws(() => planBufferHostChange({ kind: 'enable', cameraHost: 'k3pc', bufferHost: 'other' }, [cameras[0]!], [row({})]), /run buffer-host setup first/);
  });

  it('refuses an unknown camera host and a relative base path', () => {
    assert.throws(() => planBufferHostChange(setup, [], []), BufferHostAdminError);
    assert.throws(() => planBufferHostChange({ ...setup, basePath: 'frames' }, cameras, []), /must be absolute/);
  });
});
