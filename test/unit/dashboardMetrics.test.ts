import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { AlertNotifier } from '../../dashboard/alertNotifier.js';
import { createMetrics } from '../../dashboard/metrics.js';
import { ALERT_KINDS } from '../../src/dashboard/alerts.js';
import { freePort } from '../../src/temporalDevServer.js';

const deploy = (file: string) => readFileSync(path.resolve(import.meta.dirname, '../../deploy', file), 'utf8');

describe('metrics, the Grafana dashboard and the alert rules', () => {
  it('chart and alert only on metrics the dashboard serves, and only on alert kinds it raises', async () => {
    const served = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    const grafana = JSON.parse(deploy('grafana/cryo-buffer.json')) as { panels: { targets: { expr: string }[] }[] };
    const rules = deploy('prometheus/cryo-buffer-alerts.yml');
    const used = [...grafana.panels.flatMap((p) => p.targets.map((t) => t.expr)), rules].join('\n').match(/\bcryo_buffer_\w+/g) ?? [];
    assert.ok(used.length > 10);
    assert.deepEqual([...new Set(used)].filter((name) => !served.has(name)), []);
    const kinds = [...rules.matchAll(/kind="([\w-]+)"/g)].map((m) => m[1]);
    assert.deepEqual(kinds.filter((kind) => !(ALERT_KINDS as readonly string[]).includes(kind!)), []);
  });

  it('serves a value for every alert kind, 0 while it is not raised', async () => {
    const metrics = createMetrics();
    metrics.update({ at: new Date().toISOString(), namespace: 'default', holds: [], hosts: [], cameras: [], sessions: [], alerts: [{ kind: 'no-new-movies', subject: 'k3', message: 'm', since: 'x' }] });
    const text = await metrics.registry.metrics();
    for (const kind of ALERT_KINDS) {
      assert.match(text, new RegExp(`^cryo_buffer_alert\\{kind="${kind}",subject="${kind === 'no-new-movies' ? 'k3' : ''}"\\} ${kind === 'no-new-movies' ? 1 : 0}$`, 'm'));
    }
  });
});

describe('alert notifier', () => {
  it('logs a raised alert once, keeps when it was raised, logs it cleared, and survives a dead webhook', async () => {
    const lines: { level: number; msg: string; webhook?: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const deadPort = await freePort();
    const notifier = new AlertNotifier(logger, `http://127.0.0.1:${deadPort}/hook?secret=s3cret`);
    const alert = { kind: 'storage-down' as const, subject: 'gpfs@buffer1', message: 'archive target gpfs is down' };
    const first = await notifier.update([alert], 1_000);
    const second = await notifier.update([alert], 2_000);
    assert.equal(first[0]!.since, new Date(1_000).toISOString());
    assert.equal(second[0]!.since, new Date(1_000).toISOString());
    assert.deepEqual(await notifier.update([], 3_000), []);
    const messages = lines.map((l) => `${l.level} ${l.msg}`);
    assert.deepEqual(messages.filter((m) => !m.includes('webhook failed')), ['50 ALERT archive target gpfs is down', '30 alert cleared: archive target gpfs is down']);
    const failures = lines.filter((l) => l.msg === 'alert webhook failed');
    assert.equal(failures.length, 2);
    assert.equal(failures[0]!.webhook, `http://127.0.0.1:${deadPort}`, 'the webhook address is logged without its path or secret');
  });
});
