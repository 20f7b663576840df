import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, durationMs, loadConfig, parseConfig } from '../../src/config.js';
import { expiryAfterMs } from '../../src/movieSettings.js';
import { connectionOptions } from '../../src/temporal.js';

const minimal = {
  leginondb: { url: 'mysql://root@127.0.0.1:3306/leginondb' },
  bufferHosts: [{ name: 'buffer1', root: '/bufferdata' }],
  cameras: [{ host: 'k3-krios1', root: '/mnt/k3', bufferHost: 'buffer1' }],
  archive: { root: '/gpfs' },
};

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected the configuration to be refused');
}

describe('config', () => {
  it('fills defaults that match Leginon and the seed (10 days look-back, 20 min grace, 14 d expiry)', () => {
    const config = parseConfig(minimal, {});
    assert.equal(config.leginon.lookBackDays, 10);
    assert.equal(durationMs(config.leginon.grace), 20 * 60_000);
    assert.equal(durationMs(config.expiry.after), 14 * 86_400_000);
    assert.equal(config.temporal.address, undefined, 'no address: the embedded dev server');
    assert.equal(config.temporal.devServer.uiPort, 8233);
  });

  it('names each bad key', () => {
    const found = problems({
      ...minimal,
      bufferHosts: [{ name: 'buffer 1', root: 'relative' }],
      cameras: [{ host: 'k3', root: '/mnt/k3', bufferHost: 'nowhere' }],
      expiry: { after: 'two weeks' },
      leginon: { lookBackDays: -1 },
    });
    const keys = found.map((p) => p.split(':')[0]);
    assert.deepEqual(keys.sort(), ['bufferHosts[0].name', 'bufferHosts[0].root', 'cameras[0].bufferHost', 'expiry.after', 'leginon.lookBackDays'].sort());
  });

  it('refuses roots that are equal or nested (the archive step would adopt the buffer copy and expiry delete the only copy)', () => {
    const found = problems({
      ...minimal,
      bufferHosts: [{ name: 'buffer1', root: '/gpfs' }, { name: 'buffer2', root: '/bufferdata/b2' }],
      cameras: [{ host: 'k3', root: '/bufferdata/b2/camera', bufferHost: 'buffer1' }],
      archive: { root: '/gpfs' },
      preprocess: { outputRoot: '/' },
    });
    assert.ok(found.some((p) => /^archive\.root: \/gpfs is the same folder as bufferHosts\[0\]\.root/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /^cameras\[0\]\.root: .* lies inside bufferHosts\[1\]\.root/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /^preprocess\.outputRoot: must not be \//.test(p)), found.join('\n'));
  });

  it("takes MotionCor3's own CTF only with MotionCor3 as the motion engine, and MotionCor3 only on hosts with GPUs", () => {
    const preprocess = { outputRoot: '/preprocess', motionCorrection: { engine: 'relion' }, ctf: { engine: 'motioncor3' } };
    const found = problems({ ...minimal, bufferdb: { url: 'mysql://root@127.0.0.1:3306/bufferdb' }, preprocess });
    assert.match(found.join('\n'), /^preprocess\.ctf\.engine: "motioncor3" is the CTF MotionCor3 estimates .* \(it is "relion"\)/m);
    const noGpu = problems({ ...minimal, bufferdb: { url: 'mysql://root@127.0.0.1:3306/bufferdb' }, preprocess: { ...preprocess, motionCorrection: { engine: 'motioncor3' } } });
    assert.deepEqual(noGpu, ['bufferHosts[0].gpus: preprocess.motionCorrection.engine "motioncor3" needs a GPU: list this host\'s GPU ids']);
  });

  it('compares roots after resolving symlinks', () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'roots-'));
    mkdirSync(path.join(base, 'gpfs'));
    symlinkSync(path.join(base, 'gpfs'), path.join(base, 'buffer'));
    const found = problems({ ...minimal, bufferHosts: [{ name: 'buffer1', root: path.join(base, 'buffer', 'frames') }], archive: { root: path.join(base, 'gpfs') } });
    assert.match(found.join('\n'), /archive\.root: .* contains bufferHosts\[0\]\.root/);
  });

  it('refuses roots that are not normalized, world-writable modes, a holding folder that is not a plain name, a zero stableFor, a buffer host twice', () => {
    const found = problems({
      ...minimal,
      bufferHosts: [{ name: 'buffer1', root: '/bufferdata' }, { name: 'buffer1', root: '/other' }],
      archive: { root: '/gpfs/../x' },
      ownership: { fileMode: '0666', folderMode: '0777' },
      leginon: { holdingFolder: '..' },
      watcher: { stableFor: '0s' },
    });
    assert.deepEqual(found.map((p) => p.split(':')[0]).sort(), [
      'archive.root',
      'bufferHosts[1].name',
      'leginon.holdingFolder',
      'ownership.fileMode',
      'ownership.folderMode',
      'watcher.stableFor',
    ]);
  });

  it('refuses unknown keys instead of ignoring a typo', () => {
    assert.match(problems({ ...minimal, expiry: { aftr: '1d' } }).join('\n'), /expiry: .*"aftr"/);
  });

  it('refuses a camera listed twice and missing sections', () => {
    assert.match(problems({ ...minimal, cameras: [minimal.cameras[0], minimal.cameras[0]] }).join('\n'), /cameras\[1\]\.host/);
    assert.match(problems({ ...minimal, archive: undefined }).join('\n'), /^archive:/m);
  });

  it('lets the environment choose the Temporal cluster and the database', () => {
    const config = parseConfig(minimal, { TEMPORAL_ADDRESS: 'temporal.facility:7233', TEMPORAL_NAMESPACE: 'krios', LEGINONDB_URL: 'mysql://u:p@db/leginondb' });
    assert.equal(config.temporal.address, 'temporal.facility:7233');
    assert.equal(config.temporal.namespace, 'krios');
    assert.equal(config.leginondb.url, 'mysql://u:p@db/leginondb');
  });

  it('takes secrets from the environment, so the shared config file need not hold them', () => {
    const config = parseConfig(minimal, { TEMPORAL_API_KEY: 'key-from-env', BUFFERDB_URL: 'mysql://u:secret@db/cryo_buffer' });
    assert.equal(config.temporal.apiKey, 'key-from-env');
    assert.equal(config.bufferdb?.url, 'mysql://u:secret@db/cryo_buffer');
  });

  it('takes the dashboard operator token from the environment, and names a weak token, a bad webhook or metrics address', () => {
    assert.equal(parseConfig(minimal, { DASHBOARD_OPERATOR_TOKEN: 'a-long-enough-operator-token' }).dashboard.operatorToken, 'a-long-enough-operator-token');
    assert.equal(parseConfig(minimal, {}).dashboard.operatorToken, undefined);
    const found = problems({ ...minimal, dashboard: { operatorToken: 'short' }, alerts: { webhookUrl: 'not a url' }, metrics: { workerBindAddress: '9464' } });
    assert.deepEqual(found.map((p) => p.split(':')[0]).sort(), ['alerts.webhookUrl', 'dashboard.operatorToken', 'metrics.workerBindAddress']);
    assert.match(found.join('\n'), /dashboard\.operatorToken: use at least 16 characters/);
  });

  it('reports a file that is not JSON with its path', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'config.json');
    writeFileSync(file, '{ not json');
    assert.throws(() => loadConfig(file, {}), (error: Error) => error instanceof ConfigError && error.message.includes(file));
  });

  it('accepts the documented example configuration (config/example.json)', () => {
    const config = loadConfig(new URL('../../config/example.json', import.meta.url).pathname, {});
    assert.equal(config.cameras[0]?.bufferHost, 'krios1-buffer');
  });
});

describe('Temporal target', () => {
  it('is the embedded dev server by default, a cluster by address, with mTLS from PEM files', () => {
    assert.deepEqual(connectionOptions(parseConfig(minimal, {})), { address: '127.0.0.1:7233', tls: undefined, apiKey: undefined });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    for (const name of ['ca.pem', 'worker.pem', 'worker.key']) writeFileSync(path.join(dir, name), `-----${name}-----\n`);
    const config = parseConfig(
      { ...minimal, temporal: { address: 'temporal.facility.org:7233', tls: { serverRootCACert: path.join(dir, 'ca.pem'), clientCert: path.join(dir, 'worker.pem'), clientKey: path.join(dir, 'worker.key') } } },
      {},
    );
    const options = connectionOptions(config);
    assert.equal(options.address, 'temporal.facility.org:7233');
    assert.ok(options.tls && typeof options.tls === 'object');
    assert.equal(options.tls.serverRootCACertificate?.toString(), '-----ca.pem-----\n');
    assert.equal(options.tls.clientCertPair?.key.toString(), '-----worker.key-----\n');
    assert.equal(connectionOptions(parseConfig({ ...minimal, temporal: { address: 'x.tmprl.cloud:7233', apiKey: 'k' } }, {})).tls, true);
  });

  it('names a client certificate without its key', () => {
    assert.deepEqual(problems({ ...minimal, temporal: { tls: { clientCert: '/etc/cryo-buffer/worker.pem' } } }), ['temporal.tls: clientCert and clientKey go together']);
  });

  it('spreads expiry by movie id: the same for one movie, paced evenly over expiry.spread for a burst of them', () => {
    const config = parseConfig(minimal, {});
    const after = 14 * 86_400_000;
    const hour = 3_600_000;
    assert.equal(expiryAfterMs(config, 'movie:k3-krios1:20261202_0001'), expiryAfterMs(config, 'movie:k3-krios1:20261202_0001'));
    const perHour = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) {
      const ms = expiryAfterMs(config, `movie:k3-krios1:20261202_${String(i).padStart(5, '0')}`);
      assert.ok(ms >= after && ms < after + 6 * hour);
      perHour[Math.floor((ms - after) / hour)]!++;
    }
    // A drain's 60,000 movies expire at about 10,000 an hour, not all at once.
    for (const n of perHour) assert.ok(n > 9_000 && n < 11_000, `per hour: ${perHour.join(', ')}`);
    // A short expiry (the demo's, a test's) is spread by at most 5% of it.
    const quick = parseConfig({ ...minimal, expiry: { after: '2s' } }, {});
    assert.ok(expiryAfterMs(quick, 'movie:x:y') < 2_100);
  });
});
