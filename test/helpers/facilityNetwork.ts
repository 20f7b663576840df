/**
 * A facility's network on one machine, made by the test itself: one network namespace per host, each joined by a
 * veth pair to a bridge in the machine's own namespace, which plays the Temporal + PostgreSQL (and leginondb)
 * host. A process in a host's namespace reaches nothing but the bridge's subnet: not the machine's loopback,
 * where PostgreSQL and MariaDB listen, so whatever it needs crosses the veth links.
 */
import net from 'node:net';
import { execa } from 'execa';

export interface FacilityHost {
  /** `ip netns` name: run a host's processes with `ip netns exec <netns> ...`. */
  netns: string;
  ip: string;
}

export interface FacilityNetwork {
  /** The Temporal host's address on the bridge. */
  serverIp: string;
  hosts: Record<string, FacilityHost>;
  remove(): Promise<void>;
}

const ip = (...args: string[]) => execa('ip', args);

/** Network namespaces, veth pairs and a bridge named after `tag` (short: interface names stop at 15 characters). */
export async function createFacilityNetwork(tag: string, hostNames: string[]): Promise<FacilityNetwork> {
  const subnet = `10.213.${20 + (process.pid % 200)}`;
  const bridge = `cbbr${tag}`;
  const network: FacilityNetwork = {
    serverIp: `${subnet}.1`,
    hosts: Object.fromEntries(hostNames.map((name, i) => [name, { netns: `cb-${tag}-${name}`, ip: `${subnet}.${11 + i}` }])),
    async remove() {
      for (const host of Object.values(network.hosts)) await execa('ip', ['netns', 'del', host.netns], { reject: false });
      await execa('ip', ['link', 'del', bridge], { reject: false });
    },
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${network.serverIp}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (const [i, host] of Object.values(network.hosts).entries()) {
      const [outside, inside] = [`cb${tag}h${i}`, `cb${tag}n${i}`];
      await ip('netns', 'add', host.netns);
      await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      await ip('link', 'set', inside, 'netns', host.netns);
      await ip('link', 'set', outside, 'master', bridge, 'up');
      await ip('-n', host.netns, 'addr', 'add', `${host.ip}/24`, 'dev', inside);
      await ip('-n', host.netns, 'link', 'set', inside, 'up');
      await ip('-n', host.netns, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    await network.remove();
    throw error;
  }
  return network;
}

/** The TCP connections a host's namespace has open to `port` on the server, as `local -> peer` addresses. */
export async function connectionsTo(host: FacilityHost, serverIp: string, port: number): Promise<string[]> {
  const { stdout } = await execa('ip', ['netns', 'exec', host.netns, 'ss', '-Htn', 'state', 'established', 'dst', `${serverIp}:${port}`]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [local, peer] = line.trim().split(/\s+/).slice(-2);
      return `${local} -> ${peer}`;
    });
}

/**
 * Makes a server that listens on the machine's loopback (MariaDB here) reachable at `listenIp`, as if it ran on
 * that host: the facility's leginondb server, seen from the buffer hosts.
 */
export async function relayTcp(listenIp: string, target: { host: string; port: number }): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => (socket === client ? upstream : client).destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, listenIp, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
