/**
 * The self-hosted Temporal server is not an open door: it refuses to listen beyond loopback without mutual TLS,
 * and with the certificates of `npm run cluster -- certs` it serves clients holding one and no one else. The real
 * server (the pinned v1.29.1 build) on the machine's PostgreSQL; the project's own client code connects.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { execa } from 'execa';
import { parseConfig } from '../../src/config.js';
import { connectClient } from '../../src/temporal.js';
import { CERT_FILES, makeClusterCerts } from '../../src/temporalCerts.js';
import { freeClusterPort, startCluster, stopCluster, type ClusterOptions } from '../../src/temporalCluster.js';
import { startTemporalUi, stopTemporalUi } from '../../src/temporalUi.js';
import { freePort } from '../helpers/harness.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cryo-buffer-cluster-tls-'));
const databases = { history: `temporal_tls_test_${process.pid}`, visibility: `temporal_tls_test_${process.pid}_visibility` };
const postgres = { host: '127.0.0.1', port: 5432, user: 'postgres', password: process.env.TEMPORAL_PG_PASSWORD ?? '' };

describe('the self-hosted Temporal server with mutual TLS (npm run cluster -- certs; start --tls-dir)', () => {
  const base = (port: number): ClusterOptions => ({ stateDir: path.join(dir, 'state'), frontendPort: port, namespace: 'default', retentionMs: 86_400_000, postgres, databases, fresh: true, log: () => undefined });
  after(async () => {
    await stopCluster(path.join(dir, 'state'));
    for (const database of Object.values(databases)) {
      await execa('psql', ['-h', postgres.host, '-U', postgres.user, '-c', `DROP DATABASE IF EXISTS ${database}`], { reject: false });
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to listen beyond loopback without mutual TLS', async () => {
    await assert.rejects(startCluster({ ...base(await freeClusterPort()), bind: '0.0.0.0' }), /refusing to listen on 0\.0\.0\.0 without mutual TLS/);
  });

  it('serves a client with a certificate of its CA, and refuses one without, and plain TCP', { timeout: 15 * 60_000 }, async () => {
    const tlsDir = path.join(dir, 'tls');
    const { serverName } = await makeClusterCerts({ dir: tlsDir, hosts: ['temporal.test'] });
    const address = await startCluster({ ...base(await freeClusterPort()), tls: { dir: tlsDir, serverName } });
    const at = (file: string) => path.join(tlsDir, file);
    const raw = {
      leginondb: { url: 'mysql://u@127.0.0.1/leginondb' },
      bufferHosts: [{ name: 'b', root: '/bufferdata' }],
      cameras: [{ host: 'k3', root: '/mnt/k3', bufferHost: 'b' }],
      archive: { root: '/gpfs' },
      temporal: { address, tls: { serverRootCACert: at(CERT_FILES.ca), clientCert: at(CERT_FILES.client('io')), clientKey: at(CERT_FILES.clientKey('io')), serverName } },
    };
    const client = await connectClient(parseConfig(raw, {}));
    const described = await client.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(described.namespaceInfo?.name, 'default');
    // Shards are fixed at the first start: a new cluster gets the facility's count, not the server's default of 4.
    assert.equal((await client.workflowService.getClusterInfo({})).historyShardCount, 512);
    await client.connection.close();

    // The Web UI beside it reaches the frontend with its own certificate: it lists the namespace's workflows.
    const webUi = await startTemporalUi({ stateDir: path.join(dir, 'state'), frontendAddress: address, port: await freePort(), namespace: 'default', tls: { dir: tlsDir, serverName }, log: () => undefined });
    try {
      const listed = await fetch(`${webUi}/api/v1/namespaces/default/workflows?query=`);
      assert.equal(listed.status, 200, await listed.clone().text());
      assert.ok(Array.isArray(((await listed.json()) as { executions?: unknown[] }).executions ?? []));
      assert.equal((await fetch(`${webUi}/`)).status, 200);
    } finally {
      await stopTemporalUi(path.join(dir, 'state'));
    }

    const withoutCertificate = Connection.connect({ address, tls: { serverRootCACertificate: readFileSync(at(CERT_FILES.ca)), serverNameOverride: serverName }, connectTimeout: 5_000 });
    await assert.rejects(withoutCertificate, 'a TLS client without a certificate of the CA is refused');
    await assert.rejects(Connection.connect({ address, connectTimeout: 5_000 }), 'plain TCP is refused');
  });
});

