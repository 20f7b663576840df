/**
 * Gathers the dashboard's figures once per `dashboard.refreshInterval`, however many pages are open: the buffer
 * hosts' overview (the same as `bufferctl status`), recent movies for throughput and quiet cameras, camera shares,
 * free-space history for forecasts, and the alerts those raise. When Temporal cannot be reached the last figures
 * stay up, marked stale, with the reason.
 */
import { gainProblems, type BufferDb } from '../src/bufferdb.js';
import type { Client } from '@temporalio/client';
import { diskSpace } from '../src/bufferInventory.js';
import { durationMs, type Config } from '../src/config.js';
import { evaluateAlerts } from '../src/dashboard/alerts.js';
import { addSample, forecastFull, throughput, type FillForecast, type SpaceSample } from '../src/dashboard/figures.js';
import { alertFactsOf, bySession, latestStart, type CameraSnapshot, type DashboardSnapshot, type HostSnapshot, type RecentMovie } from '../src/dashboard/snapshot.js';
import { holdsInForce } from '../src/holdsRegistry.js';
import { gatherHostOverview } from '../src/hostOverview.js';
import { isMounted } from '../src/mounts.js';
import { SEARCH_ATTRIBUTES } from '../src/operatorNames.js';
import { movieListQuery } from '../src/visibilityQuery.js';
import type { AlertNotifier } from './alertNotifier.js';

/** Recent movies are listed again this far back each refresh: late search attributes (bytes, session, CTF) land. */
const RELIST_OVERLAP_MS = 30 * 60_000;
/** Free-space history the forecasts fit, and the least of it they need. */
const SPACE_HISTORY_MS = 60 * 60_000;
const MIN_FORECAST_SPAN_MS = 60_000;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class DashboardCollector {
  private readonly recent = new Map<string, RecentMovie>();
  private listedUntil?: number;
  private readonly space = new Map<string, SpaceSample[]>();
  private current?: DashboardSnapshot;

  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly notifier: AlertNotifier,
    private readonly bufferDb?: BufferDb,
  ) {}

  get snapshot(): DashboardSnapshot | undefined {
    return this.current;
  }

  async refresh(now = Date.now()): Promise<DashboardSnapshot> {
    try {
      this.current = await this.gather(now);
    } catch (error) {
      const stale = `figures not refreshed at ${new Date(now).toISOString()}: ${(error as Error).message}`;
      this.current = this.current ? { ...this.current, stale } : { at: new Date(now).toISOString(), namespace: this.config.temporal.namespace, stale, holds: [], hosts: [], cameras: [], sessions: [], alerts: [] };
    }
    return this.current;
  }

  private async gather(now: number): Promise<DashboardSnapshot> {
    const { config } = this;
    const windowMs = Math.max(durationMs(config.dashboard.throughputWindow), durationMs(config.alerts.activeSessionWindow));
    await this.listRecent(now, windowMs);
    const recent = [...this.recent.values()];
    const rate = (movies: RecentMovie[]) =>
      throughput(movies.map((m) => ({ at: m.startedAt, bytes: m.bytes })), now, durationMs(config.dashboard.throughputWindow), durationMs(config.dashboard.throughputBucket));
    const hosts = await Promise.all(
      config.bufferHosts.map(async (host): Promise<HostSnapshot> => {
        const overview = await gatherHostOverview(this.client, config, host.name, host.root);
        const mine = recent.filter((m) => m.bufferHost === host.name);
        const space = overview.bufferSpace && 'freeBytes' in overview.bufferSpace ? overview.bufferSpace.freeBytes : undefined;
        return {
          ...overview,
          bufferForecast: this.forecast(`buffer:${host.name}`, space, now),
          throughput: rate(mine),
          lastMovieAt: iso(latestStart(mine)),
          oldestPreprocessWait: iso(await this.oldestPreprocessWait(host.name)),
        };
      }),
    );
    const cameras = await Promise.all(
      config.cameras.map(async (camera): Promise<CameraSnapshot> => {
        const mounted = await isMounted(camera);
        const space = mounted ? await diskSpace(camera.root).catch(() => undefined) : undefined;
        const mine = recent.filter((m) => m.cameraHost === camera.host);
        return { host: camera.host, bufferHost: camera.bufferHost, mounted, space, forecast: this.forecast(`camera:${camera.host}`, space?.freeBytes, now), throughput: rate(mine), lastMovieAt: iso(latestStart(mine)) };
      }),
    );
    const facts = { ...alertFactsOf(hosts, cameras, recent, now), gainProblems: this.bufferDb ? await gainProblems(this.bufferDb) : [] };
    const alerts = await this.notifier.update(evaluateAlerts(facts, config), now);
    return {
      at: new Date(now).toISOString(),
      namespace: config.temporal.namespace,
      holds: await holdsInForce(this.client),
      hosts,
      cameras,
      sessions: [...bySession(recent)]
        .map(([name, movies]) => ({ name, movies: movies.length, lastMovieAt: iso(latestStart(movies))! }))
        .sort((a, b) => b.lastMovieAt.localeCompare(a.lastMovieAt)),
      alerts,
    };
  }

  /** Lists movies started since the last listing (less the overlap), and forgets those older than the window. */
  private async listRecent(now: number, windowMs: number): Promise<void> {
    const since = Math.max(now - windowMs, (this.listedUntil ?? 0) - RELIST_OVERLAP_MS);
    for await (const movie of this.client.workflow.list({ query: movieListQuery({ startedSince: new Date(since).toISOString() }) })) {
      const attributes = movie.typedSearchAttributes;
      this.recent.set(movie.workflowId, {
        workflowId: movie.workflowId,
        runId: movie.runId,
        startedAt: movie.startTime.getTime(),
        bytes: attributes.get(SEARCH_ATTRIBUTES.movieBytes) ?? 0,
        cameraHost: attributes.get(SEARCH_ATTRIBUTES.cameraHost),
        bufferHost: attributes.get(SEARCH_ATTRIBUTES.bufferHost),
        session: attributes.get(SEARCH_ATTRIBUTES.leginonSession),
        preprocessState: attributes.get(SEARCH_ATTRIBUTES.preprocessState),
        ctfResolution: attributes.get(SEARCH_ATTRIBUTES.ctfResolution),
      });
    }
    this.listedUntil = now;
    for (const [id, movie] of this.recent) if (movie.startedAt < now - windowMs) this.recent.delete(id);
  }

  private async oldestPreprocessWait(bufferHost: string): Promise<number | undefined> {
    let oldest: number | undefined;
    for await (const movie of this.client.workflow.list({ query: movieListQuery({ bufferHost, preprocessState: 'queued', open: true }) })) {
      oldest = Math.min(oldest ?? Infinity, movie.startTime.getTime());
    }
    return oldest;
  }

  private forecast(key: string, freeBytes: number | undefined, now: number): FillForecast | undefined {
    if (freeBytes === undefined) return undefined;
    const samples = addSample(this.space.get(key) ?? [], { at: now, freeBytes }, SPACE_HISTORY_MS);
    this.space.set(key, samples);
    return forecastFull(samples, MIN_FORECAST_SPAN_MS);
  }
}
