/**
 * Work of different kinds waits on slots of its own (src/operatorNames.ts, the task queues): a leginondb that hangs
 * every query holds none of the slots that copy movies off the camera, whose disk fills while they wait.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { movieWorkflowId } from '../../src/operatorNames.js';
import { startRoles, type RunningRoles } from '../../workers/roles.js';
import { movieStatus, useHarness, waitUntil } from '../helpers/harness.js';

describe('copy-off-camera while leginondb hangs every query', () => {
  const env = useHarness('hungleginondb', { roles: ['workflows', 'watcher'], overrides: { expiry: { after: '1h' } } });
  const sockets = new Set<net.Socket>();
  // Accepts connections and never says a word: a database server hung on a lock, or a half-dead host.
  const silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let roles: RunningRoles | undefined;
  env.beforeStop(async () => {
    await roles?.stop();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });

  it('copies every movie off the camera at once while its lookups wait on their own queue', async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `mysql://root@127.0.0.1:${(silent.address() as net.AddressInfo).port}/leginondb`;
    roles = await startRoles({ ...env.h.config, leginondb: { ...env.h.config.leginondb, url } }, { roles: ['io', 'archive'] });
    // Twice the io slots: with lookups on io@, the first four lookups (10 s each, the connect timeout) would hold them all.
    for (let i = 0; i < 8; i++) {
      const movie = await env.h.microscope.acquire({ bytes: 20_000 });
      const handle = env.h.client.workflow.getHandle(movieWorkflowId('sim-k3', movie.framesName));
      const copied = await waitUntil(async () => {
        const status = await movieStatus(handle).catch(() => undefined);
        return status?.stageTimes.resolving ? status : undefined;
      }, `movie ${i + 1} to be copied off the camera`, 5_000);
      assert.equal(copied.stage, 'resolving', 'the movie waits for its Leginon image, copied');
    }
  });
});
