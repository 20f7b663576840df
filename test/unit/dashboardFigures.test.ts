import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config.js';
import { ALERT_KINDS, evaluateAlerts, type AlertFacts } from '../../src/dashboard/alerts.js';
import { addSample, forecastFull, latencyDistribution, throughput } from '../../src/dashboard/figures.js';
import { buildSessionView, historyUrl, needsStatusQuery, type StatusDigest } from '../../src/dashboard/session.js';
import { alertFactsOf } from '../../src/dashboard/snapshot.js';
import { earlyLateMotion } from '../../src/preprocess/results.js';

const HOUR = 3_600_000;
const GIB = 1024 ** 3;
const config = parseConfig({
  leginondb: { url: 'mysql://root@localhost/leginondb' },
  bufferHosts: [{ name: 'buffer1', root: '/buffer' }],
  cameras: [{ host: 'k3', root: '/camera', bufferHost: 'buffer1' }],
  archive: { root: '/gpfs' },
});

describe('fill forecast', () => {
  it('fits the rate free space falls at, and says when the disk is full', () => {
    // 10 GiB free, falling 2 GiB an hour, sampled every 5 minutes for half an hour.
    let samples = [] as ReturnType<typeof addSample>;
    for (let t = 0; t <= HOUR / 2; t += HOUR / 12) samples = addSample(samples, { at: t, freeBytes: 10 * GIB - (2 * GIB * t) / HOUR }, HOUR);
    const forecast = forecastFull(samples, 60_000)!;
    assert.ok(Math.abs(forecast.bytesPerHour - 2 * GIB) < 1);
    assert.ok(Math.abs(forecast.hoursLeft! - 4.5) < 1e-6, `${forecast.hoursLeft}`);
    assert.ok(Math.abs(Date.parse(forecast.fullAt!) - (HOUR / 2 + 4.5 * HOUR)) < 1000, forecast.fullAt);
  });

  it('has no full time while space is freed (expiry outpaces acquisition), and no forecast from too little history', () => {
    const rising = [0, 1, 2, 3].map((i) => ({ at: i * 60_000, freeBytes: GIB + i * 1000 }));
    assert.deepEqual(Object.keys(forecastFull(rising, 60_000)!), ['bytesPerHour']);
    assert.equal(forecastFull(rising.slice(0, 2), 60_000), undefined);
    assert.equal(forecastFull(rising, 10 * 60_000), undefined);
  });

  it('forgets samples older than its window', () => {
    const samples = [0, 1, 2].reduce((all, i) => addSample(all, { at: i * HOUR, freeBytes: i }, HOUR), [] as ReturnType<typeof addSample>);
    assert.deepEqual(samples.map((s) => s.at), [2 * HOUR]);
  });
});

describe('throughput', () => {
  it('counts movies and bytes per bucket, and the rate over the last hour', () => {
    const now = 10 * HOUR;
    const arrivals = [
      { at: now - 5 * 60_000, bytes: 100 },
      { at: now - 20 * 60_000, bytes: 200 },
      { at: now - 90 * 60_000, bytes: 400 },
      { at: now - 7 * HOUR, bytes: 800 }, // outside the window
    ];
    const result = throughput(arrivals, now, 2 * HOUR, 30 * 60_000);
    assert.deepEqual(result.buckets.map((b) => [b.movies, b.bytes]), [[0, 0], [1, 400], [0, 0], [2, 300]]);
    assert.equal(result.buckets[0]!.start, new Date(now - 2 * HOUR).toISOString());
    assert.equal(result.moviesPerHour, 2);
    assert.equal(result.bytesPerHour, 300);
  });
});

describe('latency from exposure', () => {
  it('summarises each milestone and bins it, leaving out movies that have not reached it', () => {
    const timelines = [
      { exposure: 0, copied: 5_000, aligned: 40_000, ctf: 50_000, archived: 20_000 },
      { exposure: 0, copied: 25_000, archived: 4_000_000 },
      { exposure: 0 },
    ];
    const latency = latencyDistribution(timelines);
    assert.deepEqual(latency.copied, { count: 2, p50: 25, p90: 25, max: 25, histogram: [1, 1, 0, 0, 0, 0, 0, 0] });
    assert.equal(latency.aligned.count, 1);
    assert.deepEqual(latency.archived.histogram, [0, 1, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(latencyDistribution([]).ctf, { count: 0, p50: undefined, p90: undefined, max: undefined, histogram: [0, 0, 0, 0, 0, 0, 0, 0] });
  });
});

describe('early and late motion', () => {
  it('splits the trajectory after its first three moves', () => {
    const shifts = [0, 1, 2, 3, 4, 5].map((i) => ({ frame: i + 1, x: i < 4 ? i * 2 : 6 + (i - 3) * 0.5, y: 0 }));
    assert.deepEqual(earlyLateMotion(shifts), { early: 6, late: 1 });
    assert.deepEqual(earlyLateMotion(shifts.slice(0, 2)), { early: 2, late: 0 });
  });
});

describe('alerts', () => {
  const quiet: AlertFacts = { now: 10 * HOUR, hosts: [], cameras: [], ctfFits: [] };
  const kinds = (facts: Partial<AlertFacts>) => evaluateAlerts({ ...quiet, ...facts }, config).map((a) => `${a.kind}:${a.subject}`);

  it('raises nothing on a healthy facility', () => {
    assert.deepEqual(
      kinds({
        hosts: [{ bufferHost: 'buffer1', target: 'gpfs', storage: { state: 'up' }, bufferForecast: { bytesPerHour: GIB, hoursLeft: 100 }, closedBadly: 0 }],
        cameras: [{ host: 'k3', mounted: true, lastMovieAt: 10 * HOUR - 60_000 }],
        ctfFits: [{ session: 's1', fits: [9, 9, 9, 9, 9, 3] }],
      }),
      [],
    );
  });

  it('names storage down, a buffer above its watermark or filling, and pre-processing behind', () => {
    const alerts = evaluateAlerts(
      {
        ...quiet,
        hosts: [
          {
            bufferHost: 'buffer1',
            target: 'gpfs',
            storage: { state: 'down', since: '2026-11-30T01:00:00.000Z', problem: 'not mounted: .gpfs-mounted is missing' },
            aboveHighWatermark: { usedFraction: 0.93 },
            bufferForecast: { bytesPerHour: 50 * GIB, hoursLeft: 2, fullAt: '2026-11-30T12:00:00.000Z' },
            oldestPreprocessWait: 10 * HOUR - 20 * 60_000,
            closedBadly: 2,
          },
        ],
      },
      config,
    );
    assert.deepEqual(alerts.map((a) => a.kind), ['storage-down', 'buffer-above-high-watermark', 'buffer-filling', 'movie-workflows-failed', 'preprocessing-behind']);
    assert.match(alerts[0]!.message, /gpfs is down since 2026-11-30T01:00:00.000Z: not mounted/);
    assert.match(alerts[1]!.message, /93\.0% full/);
    assert.match(alerts[2]!.message, /full in 2\.0 h at 50\.0 GiB\/h/);
    assert.match(alerts[3]!.message, /^2 movie workflows of buffer1 failed or were terminated/);
    assert.match(alerts[4]!.message, /arrived 20 min ago/);
  });

  it('names an unmounted share (and nothing else about it), a filling camera disk, and a camera gone quiet during a session', () => {
    assert.deepEqual(
      kinds({
        cameras: [
          { host: 'k3', mounted: false, lastMovieAt: 10 * HOUR - 30 * 60_000 },
          { host: 'falcon', mounted: true, forecast: { bytesPerHour: GIB, hoursLeft: 0.5, fullAt: 'x' } },
          { host: 'de', mounted: true, lastMovieAt: 10 * HOUR - 30 * 60_000 },
          { host: 'idle', mounted: true, lastMovieAt: 10 * HOUR - 5 * HOUR },
        ],
      }),
      ['camera-share-unmounted:k3', 'camera-filling:falcon', 'no-new-movies:de'],
    );
  });

  it('counts bad CTF fits (worse than the threshold, or failed) only in an unbroken run at the end', () => {
    assert.deepEqual(kinds({ ctfFits: [{ session: 's1', fits: [3, 7, null, 8, 9.5, 12] }] }), ['bad-ctf-fits:s1']);
    assert.deepEqual(kinds({ ctfFits: [{ session: 's1', fits: [7, 7, 7, 7, 3] }] }), []);
    assert.deepEqual(kinds({ ctfFits: [{ session: 's1', fits: [7, 7, 7, 7] }] }), []);
  });

  it("raises the gain sentinel's finding per session, naming the movie and what fits", () => {
    const alerts = evaluateAlerts({ ...quiet, gainProblems: [{ session: '26dec04a', imageFilename: '26dec04a_00001ex', verdict: 'the gain fits the frames turned flip yes, rotate 1, not the configured flip no, rotate 0' }] }, config);
    assert.deepEqual(alerts.map((a) => `${a.kind}:${a.subject}`), ['gain-reference-mismatch:26dec04a']);
    assert.match(alerts[0]!.message, /^gain check of session 26dec04a \(26dec04a_00001ex\): the gain fits the frames turned flip yes, rotate 1/);
  });

  it('has a kind for every alert it raises', () => {
    assert.equal(new Set(ALERT_KINDS).size, ALERT_KINDS.length);
  });
});

describe('session view', () => {
  it('orders movies by acquisition, takes the figures of the latest run and links each history', () => {
    const statuses = new Map<string, StatusDigest>([
      ['movie:k3:b', { stage: 'archived', imageFilename: 'img_b', exposure: 2_000, copied: 5_000, archived: 9_000 }],
      ['movie:k3:a', { stage: 'archiving', imageFilename: 'img_a', exposure: 1_000, copied: 3_000 }],
    ]);
    const view = buildSessionView(
      's1',
      [
        { workflowId: 'movie:k3:b', runId: 'r2', startedAt: 2_500, stage: 'archived', preprocessState: 'done' },
        { workflowId: 'movie:k3:a', runId: 'r1', startedAt: 1_500, stage: 'archiving', preprocessState: 'failed' },
      ],
      statuses,
      [
        {
          workflowId: 'movie:k3:b',
          imageFilename: 'img_b',
          motion: { outcome: 'ok', totalDriftPx: 4, shifts: [0, 1, 2, 3, 4].map((i) => ({ frame: i + 1, x: i, y: 0 })), finishedAt: new Date(7_000).toISOString() },
          ctf: { outcome: 'ok', resolutionA: 3.5, defocus1A: 15_000, defocus2A: 14_000, astigmatismA: 1000, finishedAt: new Date(8_000).toISOString() },
        },
        { workflowId: 'movie:k3:a', imageFilename: 'img_a', motion: { outcome: 'failed', finishedAt: new Date(4_000).toISOString() } },
      ],
      { quality: config.quality, namespace: 'default', webUi: 'http://127.0.0.1:8233/', now: 10_000 },
    );
    assert.deepEqual(view.movies.map((m) => m.imageFilename), ['img_a', 'img_b']);
    const [a, b] = view.movies;
    assert.equal(a!.totalDriftPx, undefined);
    assert.equal(a!.acquiredAt, new Date(1_000).toISOString());
    assert.deepEqual([b!.ctfResolutionA, b!.defocusUm, b!.astigmatismA, b!.totalDriftPx, b!.earlyMotionPx, b!.lateMotionPx], [3.5, 1.45, 1000, 4, 3, 1]);
    assert.equal(b!.historyUrl, 'http://127.0.0.1:8233/namespaces/default/workflows/movie%3Ak3%3Ab/r2/history');
    assert.deepEqual([view.latency.copied.count, view.latency.aligned.p50, view.latency.ctf.p50, view.latency.archived.p50], [2, 5, 6, 7]);
  });

  it('links nothing without a Web UI', () => {
    assert.equal(historyUrl(undefined, 'default', 'movie:k3:a', 'r'), undefined);
  });
});

describe('status queries of a session view', () => {
  it('queries a movie first seen or whose stage moved on, never one that waits in its stage or has settled', () => {
    const waiting: StatusDigest = { stage: 'archiving', exposure: 1, copied: 2 };
    assert.equal(needsStatusQuery('copying', undefined), true);
    assert.equal(needsStatusQuery('archiving', waiting), false);
    assert.equal(needsStatusQuery('archived', waiting), true);
    assert.equal(needsStatusQuery(undefined, waiting), true);
    assert.equal(needsStatusQuery('expired', { stage: 'archived', archived: 3 }), false);
  });
});

describe('alert facts from a snapshot', () => {
  it('gives each session its CTF fits in acquisition order (failed or ringless as null), and unknown storage when health is unavailable', () => {
    const movie = (id: string, startedAt: number, preprocessState?: string, ctfResolution?: number, session = 's1') => ({ workflowId: id, runId: 'r', startedAt, bytes: 1, session, preprocessState, ctfResolution });
    const throughputNone = { buckets: [], moviesPerHour: 0, bytesPerHour: 0 };
    const facts = alertFactsOf(
      [{ bufferHost: 'buffer1', target: 'gpfs', stages: {}, unarchived: { movies: 0, bytes: 0 }, health: { unavailable: 'no worker' }, preprocess: { waiting: 0, failed: 0 }, closedBadly: 0, throughput: throughputNone, oldestPreprocessWait: new Date(5).toISOString() }],
      [{ host: 'k3', bufferHost: 'buffer1', mounted: true, throughput: throughputNone, lastMovieAt: new Date(9).toISOString() }],
      [movie('c', 30, 'done', 4), movie('a', 10, 'done'), movie('b', 20, 'failed'), movie('d', 40, 'running'), movie('e', 50, 'done', 3, 's2'), { ...movie('f', 60), session: undefined }],
      100,
    );
    assert.deepEqual(facts.ctfFits, [{ session: 's1', fits: [null, null, 4] }, { session: 's2', fits: [3] }]);
    assert.deepEqual(facts.hosts[0]!.storage, { state: 'unknown' });
    assert.equal(facts.hosts[0]!.oldestPreprocessWait, 5);
    assert.deepEqual(facts.cameras, [{ host: 'k3', mounted: true, forecast: undefined, lastMovieAt: 9 }]);
  });
});
