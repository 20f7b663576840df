/**
 * The facility as it is deployed, across hosts that only a network joins (network namespaces and veth links made
 * by the test, test/helpers/facilityNetwork.ts): the Temporal server on PostgreSQL, listening only on its LAN
 * address with mutual TLS; two buffer hosts, each running io, archive and pre-processing workers for its own
 * microscope; a host with the watchers and the workflow worker. Each process is a real worker process with its own
 * role's certificate. Needs root (ip netns).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { execa } from 'execa';
import mysql from 'mysql2/promise';
import { parseConfig } from '../../src/config.js';
import { createDatabase, serverUrl } from '../../src/mariadb.js';
import { movieWorkflowId, preprocessWorkflowId } from '../../src/operatorNames.js';
import { prepareSimulatedFacility, type SimulatedFacility } from '../../src/simulator/facility.js';
import { connectClient } from '../../src/temporal.js';
import { CERT_FILES, makeClusterCerts, type ClientRole } from '../../src/temporalCerts.js';
import { freeClusterPort, startCluster, stopCluster } from '../../src/temporalCluster.js';
import { connectionsTo, createFacilityNetwork, relayTcp, type FacilityNetwork } from '../helpers/facilityNetwork.js';
import { FAST_SETTINGS, GPU_STANDIN_PREPROCESS, makeHarnessDir, movieStatus, TEST_MARIADB, waitForStage, waitUntil } from '../helpers/harness.js';
import { addSecondMicroscope, type TwoMicroscopes } from '../helpers/secondMicroscope.js';
import { launchWorkerProcess, spawnWorkerProcess, waitForLog, type WorkerProcess } from '../helpers/workerProcess.js';

const isRoot = process.getuid?.() === 0;
const dir = makeHarnessDir('facility-network');
const postgres = { host: '127.0.0.1', port: 5432, user: 'postgres', password: process.env.TEMPORAL_PG_PASSWORD ?? '' };
const temporalDatabases = { history: `temporal_net_test_${process.pid}`, visibility: `temporal_net_test_${process.pid}_visibility` };
const leginondbUrl = new URL(`cryo_buffer_test_network_${process.pid}`, TEST_MARIADB).toString();
const bufferdbUrl = new URL(`cryo_buffer_test_network_${process.pid}_results`, TEST_MARIADB).toString();

describe('a facility across hosts: Temporal + PostgreSQL, two buffer hosts, a watcher host, joined by veth links with mTLS', { skip: !isRoot && 'needs root (ip netns)' }, () => {
  let network: FacilityNetwork;
  let relay: Awaited<ReturnType<typeof relayTcp>>;
  let address: string;
  let facility: SimulatedFacility;
  let second: TwoMicroscopes;
  let client: Client;
  const processes: WorkerProcess[] = [];
  const workers: Record<'buffer1' | 'buffer2' | 'watchers', WorkerProcess | undefined> = { buffer1: undefined, buffer2: undefined, watchers: undefined };

  /** The facility's configuration as a host sees it: Temporal and leginondb at their LAN addresses, this role's certificate. */
  const configFileFor = (role: ClientRole, tlsDir = path.join(dir, 'tls')) => {
    const raw = JSON.parse(readFileSync(second.configFile, 'utf8'));
    const overLan = (url: string) => Object.assign(new URL(url), { hostname: network.serverIp, port: String(relay.port) }).toString();
    raw.leginondb.url = overLan(leginondbUrl);
    raw.bufferdb = { url: overLan(bufferdbUrl) };
    const at = (file: string) => path.join(tlsDir, file);
    raw.temporal = { address, tls: { serverRootCACert: at(CERT_FILES.ca), clientCert: at(CERT_FILES.client(role)), clientKey: at(CERT_FILES.clientKey(role)), serverName: 'temporal.test' } };
    const file = path.join(dir, `config-${role}-${path.basename(tlsDir)}.json`);
    writeFileSync(file, JSON.stringify(raw, null, 2));
    return file;
  };

  before(async () => {
    network = await createFacilityNetwork(String(process.pid % 100_000), ['buffer1', 'buffer2', 'watchers']);
    // leginondb lives on the Temporal host in this picture: MariaDB listens on loopback, so it is relayed to the LAN.
    relay = await relayTcp(network.serverIp, { host: '127.0.0.1', port: Number(new URL(TEST_MARIADB).port || 3306) });
    await makeClusterCerts({ dir: path.join(dir, 'tls'), hosts: ['temporal.test'] });
    address = await startCluster({
      stateDir: path.join(dir, 'cluster'),
      frontendPort: await freeClusterPort(),
      bind: network.serverIp,
      tls: { dir: path.join(dir, 'tls'), serverName: 'temporal.test' },
      namespace: 'default',
      retentionMs: 86_400_000,
      postgres,
      databases: temporalDatabases,
      fresh: true,
      log: () => undefined,
    });
    await createDatabase(bufferdbUrl, { dropFirst: true });
    facility = await prepareSimulatedFacility({
      baseDir: dir,
      leginondbUrl,
      freshDatabase: true,
      sessionName: '25nov25a',
      gpus: [0],
      overrides: { ...FAST_SETTINGS, expiry: { after: '1h' }, temporal: { address }, bufferdb: { url: bufferdbUrl }, preprocess: GPU_STANDIN_PREPROCESS },
    });
    second = await addSecondMicroscope({ ...facility, dir }, { gpus: [0] });
    client = await connectClient(parseConfig(JSON.parse(readFileSync(configFileFor('bufferctl'), 'utf8')), {}));
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await client?.connection.close();
    await facility?.db.end();
    await stopCluster(path.join(dir, 'cluster'));
    await relay?.close();
    await network?.remove();
    for (const database of Object.values(temporalDatabases)) {
      await execa('psql', ['-h', postgres.host, '-U', postgres.user, '-c', `DROP DATABASE IF EXISTS ${database}`], { reject: false });
    }
    const admin = await mysql.createConnection({ uri: serverUrl(leginondbUrl) });
    for (const url of [leginondbUrl, bufferdbUrl]) await admin.query(`DROP DATABASE IF EXISTS \`${new URL(url).pathname.slice(1)}\``);
    await admin.end();
  });

  const spawnOn = async (host: keyof typeof workers, role: ClientRole, roles: string[], selection: string[] = []) => {
    const worker = await spawnWorkerProcess(configFileFor(role), roles, selection, { netns: network.hosts[host]!.netns });
    processes.push(worker);
    workers[host] = worker;
  };

  it('keeps each microscope on its own buffer host, every connection over the LAN, and refuses a stranger', { timeout: 10 * 60_000 }, async () => {
    // The hosts cannot take a short cut: the machine's loopback (MariaDB, PostgreSQL) is not theirs.
    const reachLoopback = await execa('ip', ['netns', 'exec', network.hosts.buffer1!.netns, process.execPath, '-e', "require('net').connect(3306, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(3))"], { reject: false });
    assert.equal(reachLoopback.exitCode, 3, 'a buffer host reached the machine loopback');

    await spawnOn('buffer1', 'io', ['io', 'archive', 'preprocess'], ['--buffer-host', 'buffer1']);
    await spawnOn('buffer2', 'io', ['io', 'archive', 'preprocess'], ['--buffer-host', 'buffer2']);
    await spawnOn('watchers', 'watcher', ['watcher', 'workflows']);

    const movies = [
      { camera: 'sim-k3', bufferHost: 'buffer1' as const, root: facility.dirs.buffer, movie: await facility.microscope.acquire({ bytes: 50_000 }) },
      { camera: 'sim-k3b', bufferHost: 'buffer2' as const, root: second.dirs.buffer, movie: await second.microscope.acquire({ bytes: 50_000 }) },
    ];
    for (const { camera, bufferHost, root, movie } of movies) {
      const workflowId = movieWorkflowId(camera, movie.framesName);
      const handle = client.workflow.getHandle(workflowId);
      const archived = await waitForStage(handle, ['archived'], 180_000);
      assert.equal(archived.bufferHost, bufferHost);
      assert.ok(archived.buffer!.path.startsWith(root + path.sep), `${archived.buffer!.path} is not under ${root}`);
      const done = await waitUntil(async () => ((await movieStatus(handle)).preprocess?.state === 'done' ? movieStatus(handle) : undefined), `pre-processing of ${movie.framesName}`, 120_000);
      assert.ok(done.preprocess?.motion, 'motion correction ran');

      // Every activity of the movie and of its pre-processing ran in its own buffer host's process.
      const expected = `${workers[bufferHost]!.pid}@${os.hostname()}`;
      for (const id of [workflowId, preprocessWorkflowId(workflowId, 1)]) {
        const { events } = await client.workflow.getHandle(id).fetchHistory();
        const identities = new Set(events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.identity));
        assert.ok(identities.size > 0, `${id} ran no activity`);
        assert.deepEqual([...identities], [expected], `${id}: activities ran on ${[...identities].join(', ')}, not only on ${bufferHost} (${expected})`);
      }
    }

    // The frontend listens on the LAN address only, and each host's connections to it leave from its own veth.
    const port = Number(address.split(':').at(-1));
    const listening = (await execa('ss', ['-Hltn', `sport = :${port}`])).stdout.split('\n').filter(Boolean);
    assert.ok(listening.length > 0 && listening.every((line) => line.includes(`${network.serverIp}:${port}`)), listening.join('\n'));
    for (const host of Object.values(network.hosts)) {
      const connections = await connectionsTo(host, network.serverIp, port);
      assert.ok(connections.length > 0, `${host.netns} has no connection to Temporal`);
      for (const connection of connections) assert.ok(connection.startsWith(`${host.ip}:`), connection);
    }

    // A worker whose certificate is not of the facility's CA gets nowhere, even on a host of the LAN.
    await makeClusterCerts({ dir: path.join(dir, 'stranger'), hosts: ['temporal.test'] });
    const stranger = launchWorkerProcess(configFileFor('io', path.join(dir, 'stranger')), ['io'], ['--buffer-host', 'buffer2'], { netns: network.hosts.buffer2!.netns });
    processes.push(stranger);
    const refused = JSON.parse(await waitForLog(stranger, 'waiting for the Temporal server')) as { err: string };
    assert.match(refused.err, /certificate|tls|handshake/i);
    assert.ok(!stranger.log().includes('"roles started"'), 'a worker with a stranger certificate started serving');
  });
});
