import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { chromium, type Browser } from 'playwright-core';
import type { DashboardSnapshot } from '../../src/dashboard/snapshot.js';
import { MAX_EVENT_STREAMS, startDashboard, type RunningDashboard } from '../../dashboard/server.js';
import { openBufferDb, type BufferDb } from '../../src/bufferdb.js';
import type { Config } from '../../src/config.js';
import type { SessionView } from '../../src/dashboard/session.js';
import { ensureChromiumInstalled } from '../../src/debianPackages.js';
import { holdsInForce } from '../../src/holdsRegistry.js';
import { logger } from '../../src/logger.js';
import { ROLES } from '../../workers/roles.js';
import { freePort, movieStatus, STANDINS, useHarness, waitUntil } from '../helpers/harness.js';

const BUFFERCTL = fileURLToPath(new URL('../../bin/bufferctl.ts', import.meta.url));
const ARTIFACTS = path.resolve(import.meta.dirname, '../../var/test-artifacts');
const TOKEN = 'operator-token-for-tests-0123456789';
const MARKER = '.gpfs-mounted';

describe('operator dashboard: figures, live updates, alerts, metrics and actions on a simulated session', async () => {
  const workerMetricsPort = await freePort();
  const env = useHarness('dashboard', {
    roles: ROLES,
    gpus: [0],
    overrides: {
      expiry: { after: '1h' },
      archive: { markerFile: MARKER, health: { interval: '500ms', timeout: '2s' } },
      preprocess: {
        motionCorrection: { engine: 'motioncor2', executable: path.join(STANDINS, 'motioncor2') },
        ctf: { engine: 'ctffind4', executable: path.join(STANDINS, 'ctffind4') },
      },
      // The stand-in's fits are 3-8 Å: with this threshold every one is bad, so the bad-CTF alert must come.
      quality: { maxCtfResolutionA: 2.5 },
      alerts: { badCtfRun: 3 },
      metrics: { workerBindAddress: `127.0.0.1:${workerMetricsPort}` },
    },
  });
  const webhookEvents: { event: string; alert: { kind: string; subject: string } }[] = [];
  let webhook: Server;
  let bufferDb: BufferDb;
  let operator: RunningDashboard;
  let readOnly: RunningDashboard;
  let browser: Browser | undefined;

  before(async () => {
    writeFileSync(path.join(env.h.dirs.archive, MARKER), 'mounted\n');
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        webhookEvents.push(JSON.parse(body));
        response.end('ok');
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => webhook.once('listening', r));
    bufferDb = openBufferDb(env.h.config.bufferdb!.url);
    const withDashboard = (dashboard: Partial<Config['dashboard']>, alerts: Partial<Config['alerts']> = {}): Config => ({
      ...env.h.config,
      dashboard: { ...env.h.config.dashboard, port: 0, refreshInterval: '500ms', ...dashboard },
      alerts: { ...env.h.config.alerts, ...alerts },
    });
    const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
    const options = { client: env.h.client, bufferDb, webUi: 'http://127.0.0.1:8233', logger };
    operator = await startDashboard(withDashboard({ operatorToken: TOKEN }, { webhookUrl }), options);
    readOnly = await startDashboard(withDashboard({ operatorToken: undefined }), options);
  });
  env.beforeStop(async () => {
    await browser?.close();
    await operator?.close();
    await readOnly?.close();
    await bufferDb?.end();
    webhook?.close();
  });

  const getJson = async <T>(dashboard: RunningDashboard, route: string): Promise<T> => {
    const response = await fetch(`${dashboard.url}${route}`);
    assert.equal(response.status, 200, `${route}: ${response.status}`);
    return (await response.json()) as T;
  };
  const post = (dashboard: RunningDashboard, route: string, body: unknown, token?: string) =>
    fetch(`${dashboard.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  const overview = () => getJson<DashboardSnapshot>(operator, '/api/overview');
  const session = () => getJson<SessionView>(operator, `/api/sessions/${env.h.sessionName}`);
  const acquire = async (n: number) => {
    const movies = [];
    for (let i = 0; i < n; i++) movies.push(await env.h.microscope.acquire({ bytes: 30_000 }));
    return movies;
  };
  const waitForSession = (movies: number) =>
    waitUntil(async () => {
      const view = await session();
      const complete = view.movies.filter((m) => m.stage === 'archived' && m.ctfResolutionA !== undefined && m.totalDriftPx !== undefined);
      return complete.length === movies ? view : undefined;
    }, `${movies} movies archived and pre-processed in the session view`, 90_000);

  it('shows every figure of the session as the movies, their status and the results table have them', async () => {
    const movies = await acquire(4);
    const view = await waitForSession(4);
    assert.deepEqual(view.movies.map((m) => m.imageFilename), movies.map((m) => m.imageFilename));
    for (const row of view.movies) {
      // The results table has a step as soon as its activity stored it; the movie's status once the run has ended.
      const status = await waitUntil(async () => {
        const s = await movieStatus(env.h.client.workflow.getHandle(row.workflowId));
        return s.preprocess?.ctf ? s : undefined;
      }, `the CTF headline in the status of ${row.workflowId}`);
      assert.equal(row.ctfResolutionA, status.preprocess!.ctf!.resolution);
      assert.equal(row.totalDriftPx, status.preprocess!.motion!.totalDrift);
      assert.equal(row.defocusUm, (status.preprocess!.ctf!.defocus1 + status.preprocess!.ctf!.defocus2) / 2 / 10_000);
      assert.equal(row.astigmatismA, status.preprocess!.ctf!.astigmatism);
      assert.ok(Math.abs(row.earlyMotionPx! + row.lateMotionPx! - row.totalDriftPx!) < 0.01);
      assert.equal(row.acquiredAt, new Date(status.camera.mtimeMs!).toISOString());
      assert.match(row.historyUrl!, new RegExp(`^http://127\\.0\\.0\\.1:8233/namespaces/default/workflows/${encodeURIComponent(row.workflowId)}/[\\w-]+/history$`));
    }
    for (const milestone of ['copied', 'aligned', 'ctf', 'archived'] as const) {
      assert.equal(view.latency[milestone].count, 4, milestone);
      assert.ok(view.latency[milestone].p50! > 0 && view.latency[milestone].p50! < 120, `${milestone} ${view.latency[milestone].p50}`);
      assert.equal(view.latency[milestone].histogram.reduce((a, b) => a + b, 0), 4);
    }
    assert.deepEqual(view.thresholds, env.h.config.quality);

    const snapshot = await waitUntil(async () => {
      const s = await overview();
      return s.hosts[0]?.stages.archived === 4 && s.hosts[0].health && 'state' in s.hosts[0].health && s.hosts[0].health.state === 'up' ? s : undefined;
    }, 'the overview to count 4 archived movies');
    const [host] = snapshot.hosts;
    assert.equal(host!.unarchived.movies, 0);
    assert.equal(host!.throughput.buckets.reduce((sum, b) => sum + b.movies, 0), 4);
    assert.equal(host!.throughput.moviesPerHour, 4);
    assert.equal(host!.throughput.bytesPerHour, 4 * 30_000);
    assert.ok(host!.bufferSpace && 'freeBytes' in host!.bufferSpace && host!.bufferSpace.freeBytes > 0);
    assert.equal(host!.lastMovieAt !== undefined, true);
    assert.deepEqual(snapshot.cameras.map((c) => [c.host, c.mounted, c.throughput.moviesPerHour]), [['sim-k3', true, 4]]);
    assert.ok(snapshot.cameras[0]!.space!.freeBytes > 0);
    assert.deepEqual(snapshot.sessions.map((s) => [s.name, s.movies]), [[env.h.sessionName, 4]]);
    assert.equal(snapshot.stale, undefined);
  });

  it('raises the bad-CTF alert once: in /api/alerts, the log, the webhook and /metrics', async () => {
    const { alerts } = await waitUntil(async () => {
      const a = await getJson<{ alerts: { kind: string; subject: string; message: string }[] }>(operator, '/api/alerts');
      // The overview's CTF figures come from search attributes, which may land after the session view's.
      return a.alerts.some((x) => x.kind === 'bad-ctf-fits' && /the last 4 CTF/.test(x.message)) ? a : undefined;
    }, 'the bad-CTF alert over all four fits');
    const bad = alerts.find((a) => a.kind === 'bad-ctf-fits')!;
    assert.equal(bad.subject, env.h.sessionName);
    assert.match(bad.message, /the last 4 CTF fits of session \S+ are worse than 2.5 Å/);
    await waitUntil(async () => webhookEvents.some((e) => e.event === 'raised' && e.alert.kind === 'bad-ctf-fits'), 'the webhook to hear of it');
    assert.equal(webhookEvents.filter((e) => e.alert.kind === 'bad-ctf-fits').length, 1, 'raised once, not at every refresh');

    const metrics = await (await fetch(`${operator.url}/metrics`)).text();
    assert.match(metrics, /^cryo_buffer_movies\{buffer_host="buffer1",stage="archived"\} 4$/m);
    assert.match(metrics, /^cryo_buffer_unarchived_movies\{buffer_host="buffer1"\} 0$/m);
    assert.match(metrics, /^cryo_buffer_archive_target_up\{buffer_host="buffer1",target="gpfs"\} 1$/m);
    assert.match(metrics, /^cryo_buffer_camera_share_mounted\{camera="sim-k3"\} 1$/m);
    assert.match(metrics, /^cryo_buffer_movies_per_hour\{camera="sim-k3"\} 4$/m);
    assert.match(metrics, new RegExp(`^cryo_buffer_alert\\{kind="bad-ctf-fits",subject="${env.h.sessionName}"\\} 1$`, 'm'));
    assert.match(metrics, /^cryo_buffer_alert\{kind="storage-down",subject=""\} 0$/m);
    // The Temporal SDK's worker metrics, from the workers' runtime, in the same scrape.
    assert.match(metrics, /^temporal_\w+/m);
  });

  it('lets only the operator token act: read-only refuses, a wrong token is refused, holds and reprocessing work', async () => {
    const hold = { scope: 'session', target: env.h.sessionName, reason: 'grid box swap', by: 'tester' };
    const refused = await post(readOnly, '/api/actions/hold', hold, TOKEN);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: string }).error, /read-only: set dashboard\.operatorToken/);
    assert.equal((await post(operator, '/api/actions/hold', hold)).status, 401);
    assert.equal((await post(operator, '/api/actions/hold', hold, `${TOKEN}x`)).status, 401);
    assert.equal((await post(operator, '/api/actions/hold', { ...hold, scope: 'everything' }, TOKEN)).status, 400);
    assert.equal((await getJson<{ holds: unknown[] }>(operator, '/api/overview')).holds.length, 0, 'nothing was held by a refused request');

    const held = await post(operator, '/api/actions/hold', hold, TOKEN);
    assert.equal(held.status, 200);
    // Every movie here is archived: none is woken; each asks archiveHolds before its expiry.
    assert.deepEqual(await held.json(), { signalled: 0 });
    const [record] = await holdsInForce(env.h.client);
    assert.equal(record!.scope, `session:${env.h.sessionName}`);
    assert.match(record!.by, /^tester \(dashboard, 127\.0\.0\.1\)$/);
    assert.equal((await post(operator, '/api/actions/release', hold, TOKEN)).status, 200);
    assert.deepEqual(await holdsInForce(env.h.client), []);

    const [first] = (await session()).movies;
    const reprocessed = await post(operator, '/api/actions/reprocess', { workflowIds: [first!.workflowId], by: 'tester' }, TOKEN);
    assert.deepEqual(await reprocessed.json(), { signalled: [first!.workflowId], ended: [] });
    await waitUntil(async () => (await movieStatus(env.h.client.workflow.getHandle(first!.workflowId))).preprocess?.run === 2, 'the second pre-processing run');
  });

  it(`serves at most ${MAX_EVENT_STREAMS} live views at once, and the rest are told so (503)`, async () => {
    const streams = await Promise.all(
      Array.from({ length: MAX_EVENT_STREAMS }, async () => {
        const controller = new AbortController();
        const response = await fetch(`${readOnly.url}/api/events`, { signal: controller.signal });
        assert.equal(response.status, 200);
        return controller;
      }),
    );
    try {
      const refused = await fetch(`${readOnly.url}/api/events`);
      assert.equal(refused.status, 503);
      assert.match(((await refused.json()) as { error: string }).error, /live views are open already/);
    } finally {
      for (const stream of streams) stream.abort();
    }
    await waitUntil(async () => {
      const controller = new AbortController();
      const response = await fetch(`${readOnly.url}/api/events`, { signal: controller.signal });
      controller.abort();
      return response.status === 200;
    }, 'a live view to be served again once the others closed');
  });

  it('raises storage-down when the archive is unmounted and clears it when it is back', async () => {
    rmSync(path.join(env.h.dirs.archive, MARKER));
    const down = await waitUntil(async () => (await overview()).alerts.find((a) => a.kind === 'storage-down'), 'the storage-down alert');
    assert.equal(down.subject, 'gpfs@buffer1');
    assert.match(down.message, /not mounted: \.gpfs-mounted is missing/);
    assert.match(await (await fetch(`${operator.url}/metrics`)).text(), /^cryo_buffer_archive_target_up\{buffer_host="buffer1",target="gpfs"\} 0$/m);
    writeFileSync(path.join(env.h.dirs.archive, MARKER), 'mounted\n');
    await waitUntil(async () => !(await overview()).alerts.some((a) => a.kind === 'storage-down'), 'the storage-down alert to clear');
    await waitUntil(async () => webhookEvents.some((e) => e.event === 'cleared' && e.alert.kind === 'storage-down'), 'the webhook to hear it cleared');
  });

  it('in a browser: live counts, plots with points, a hold from the page that bufferctl sees, and a read-only page without actions', async () => {
    browser = await chromium.launch({ executablePath: await ensureChromiumInstalled(), args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    mkdirSync(ARTIFACTS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(operator.url);
    const count = page.getByTestId('movies-buffer1');
    await count.waitFor();
    const before = Number(await count.textContent());
    await page.locator('.live.on').waitFor();
    await acquire(2);
    // No reload: the count follows the server's pushed figures.
    await page.waitForFunction(`Number(document.querySelector('[data-testid="movies-buffer1"]')?.textContent) === ${before + 2}`, undefined, { timeout: 60_000 });
    await waitForSession(6);
    await page.waitForFunction(`document.querySelectorAll('#movies tbody tr').length === 6`, undefined, { timeout: 30_000 });
    // A row shows as soon as the movie is listed; its point once the page's next refresh has its results.
    const plotted = `['plot-ctf', 'plot-defocus', 'plot-astigmatism', 'plot-drift', 'plot-motion'].map((id) => Chart.getChart(document.getElementById(id)).data.datasets[0].data.length)`;
    await page.waitForFunction(`${plotted}.every((points) => points === 6)`, undefined, { timeout: 30_000 });
    assert.ok(await page.locator('#plot-ctf').isVisible());
    await page.locator('[data-alert="bad-ctf-fits"]').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    await page.fill('#token', TOKEN);
    await page.fill('#operator', 'night shift');
    await page.selectOption('#hold-scope', 'session');
    await page.fill('#hold-target', env.h.sessionName);
    await page.fill('#hold-reason', 'GPFS maintenance');
    await page.click('button[data-action="hold"]');
    await page.locator('#hold-result', { hasText: 'hold: 0 movie(s) not yet archived signalled' }).waitFor();
    const { stdout } = await execa('node', ['--import', 'tsx', BUFFERCTL, '--config', env.h.configFile, 'status']);
    assert.match(stdout, new RegExp(`HOLD in force on session ${env.h.sessionName}: GPFS maintenance \\(by night shift \\(dashboard, 127\\.0\\.0\\.1\\) since`));
    await page.locator(`[data-hold="session:${env.h.sessionName}"]`).waitFor();
    await page.click('button[data-action="release"]');
    await page.locator('#hold-result', { hasText: 'release: 0 held movie(s) signalled' }).waitFor();

    const viewer = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await viewer.goto(readOnly.url);
    await viewer.getByTestId('movies-buffer1').waitFor();
    await viewer.waitForFunction(`document.querySelectorAll('#movies tbody tr').length === 6`, undefined, { timeout: 30_000 });
    assert.equal(await viewer.locator('#fleet-actions').isVisible(), false);
    assert.equal(await viewer.locator('#movies button').count(), 0);
    assert.match((await viewer.locator('#mode').textContent())!, /read-only/);
    const status = await viewer.evaluate(async (session) => (await fetch('/api/actions/hold', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'session', target: session }) })).status, env.h.sessionName);
    assert.equal(status, 403);
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'dashboard-read-only.png') });
    assert.deepEqual(pageErrors, []);
  });
});
