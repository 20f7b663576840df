/**
 * The operator dashboard's web server: the page, its JSON API, live updates (server-sent events), `/metrics`, and
 * the actions bufferctl has (hold, release, reprocess) for whoever presents the operator token. Without a
 * configured token the page is read-only. No route deletes anything.
 */
import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { BufferDb } from '../src/bufferdb.js';
import { durationMs, type Config } from '../src/config.js';
import type { HoldScope } from '../src/holds.js';
import type { Logger } from '../src/logger.js';
import { changeMovieHold, changeScopeHold, reprocessMovies } from '../src/operatorActions.js';
import { movieListQuery } from '../src/visibilityQuery.js';
import { AlertNotifier } from './alertNotifier.js';
import type { DashboardSnapshot } from '../src/dashboard/snapshot.js';
import { DashboardCollector } from './collector.js';
import { createMetrics } from './metrics.js';
import { SessionViews } from './sessionView.js';

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));
/** Chart.js's browser build, beside the module its package exports. */
const CHART_JS = path.join(path.dirname(fileURLToPath(import.meta.resolve('chart.js'))), 'chart.umd.min.js');

/** Live views at once (server-sent events); more are refused, so open connections cannot exhaust the process. */
export const MAX_EVENT_STREAMS = 100;

export interface DashboardOptions {
  client: Client;
  bufferDb?: BufferDb;
  /** The Temporal Web UI movies link to (config dashboard.temporalWebUi wins). */
  webUi?: string;
  logger: Logger;
}

export interface RunningDashboard {
  url: string;
  collector: DashboardCollector;
  close(): Promise<void>;
}

const HoldBody = z.strictObject({
  scope: z.enum(['movie', 'session', 'bufferHost', 'all']),
  /** The movie's workflow id, the session or the buffer host (not for "all"). */
  target: z.string().min(1).max(512).optional(),
  reason: z.string().min(1).max(500).default('held from the dashboard'),
  /** Who is acting, shown with the hold. */
  by: z.string().min(1).max(100).default('dashboard'),
});
const ReprocessBody = z.strictObject({
  workflowIds: z.array(z.string().min(1).max(512)).max(10_000).optional(),
  session: z.string().min(1).max(255).optional(),
  by: z.string().min(1).max(100).default('dashboard'),
});

function holdScopeOf(body: z.infer<typeof HoldBody>): HoldScope | undefined {
  if (body.scope === 'all') return 'all';
  if (body.scope === 'movie') return undefined;
  return `${body.scope}:${body.target}` as HoldScope;
}

export async function startDashboard(config: Config, options: DashboardOptions): Promise<RunningDashboard> {
  const { client, logger } = options;
  const webUi = config.dashboard.temporalWebUi ?? options.webUi;
  const notifier = new AlertNotifier(logger, config.alerts.webhookUrl);
  const collector = new DashboardCollector(client, config, notifier, options.bufferDb);
  const sessions = new SessionViews(client, config, options.bufferDb, webUi);
  const metrics = createMetrics();
  const listeners = new Set<(snapshot: DashboardSnapshot) => void>();
  const token = config.dashboard.operatorToken;

  // Live-update streams never go idle: closing must end them.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(fastifyStatic, { root: PUBLIC });
  app.get('/vendor/chart.umd.js', (_request, reply) => reply.sendFile(path.basename(CHART_JS), path.dirname(CHART_JS)));

  const current = async () => collector.snapshot ?? (await collector.refresh());
  app.get('/api/info', async () => ({ readOnly: !token, namespace: config.temporal.namespace, webUi, refreshMs: durationMs(config.dashboard.refreshInterval), quality: config.quality }));
  app.get('/api/overview', current);
  app.get('/api/alerts', async () => {
    const snapshot = await current();
    return { at: snapshot.at, stale: snapshot.stale, alerts: snapshot.alerts };
  });
  app.get<{ Params: { session: string } }>('/api/sessions/:session', async (request) => sessions.get(request.params.session));
  app.get('/api/events', (request, reply) => {
    if (listeners.size >= MAX_EVENT_STREAMS) {
      return reply.code(503).send({ error: `${MAX_EVENT_STREAMS} live views are open already; reload later or poll /api/overview` });
    }
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    reply.raw.flushHeaders();
    // A viewer that does not read is skipped until its socket drains, never buffered for: each snapshot replaces the last.
    let draining = false;
    reply.raw.on('drain', () => (draining = false));
    const send = (snapshot: DashboardSnapshot) => {
      if (!draining) draining = !reply.raw.write(`event: overview\ndata: ${JSON.stringify(snapshot)}\n\n`);
    };
    if (collector.snapshot) send(collector.snapshot);
    listeners.add(send);
    request.raw.on('close', () => listeners.delete(send));
  });
  app.get('/metrics', async (_request, reply) => {
    await current();
    const own = await metrics.registry.metrics();
    const workers = config.metrics.workerBindAddress ? await scrapeWorkerMetrics(config.metrics.workerBindAddress, logger) : '';
    return reply.type(metrics.registry.contentType).send(own + workers);
  });

  /** Actions need the operator token; a dashboard without one is read-only. */
  const authorize = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (!token) {
      void reply.code(403).send({ error: 'this dashboard is read-only: set dashboard.operatorToken (or DASHBOARD_OPERATOR_TOKEN) to allow actions' });
      return false;
    }
    const presented = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
    const expected = Buffer.from(token);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      void reply.code(401).send({ error: 'wrong or missing operator token' });
      return false;
    }
    return true;
  };
  const parse = <T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined => {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    void reply.code(400).send({ error: result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    return undefined;
  };
  for (const action of ['hold', 'release'] as const) {
    app.post(`/api/actions/${action}`, async (request, reply) => {
      if (!authorize(request, reply)) return reply;
      const body = parse(HoldBody, request.body, reply);
      if (!body) return reply;
      if (body.scope !== 'all' && !body.target) return reply.code(400).send({ error: `target: name the ${body.scope}` });
      const by = `${body.by} (dashboard, ${request.ip})`;
      const scope = holdScopeOf(body);
      logger.info({ action, scope: scope ?? `movie:${body.target}`, by, reason: body.reason }, 'dashboard action');
      if (!scope) {
        await changeMovieHold(client, action, body.target!, { reason: body.reason, by });
        return { signalled: 1 };
      }
      return { signalled: await changeScopeHold(client, action, scope, { reason: body.reason, by }) };
    });
  }
  app.post('/api/actions/reprocess', async (request, reply) => {
    if (!authorize(request, reply)) return reply;
    const body = parse(ReprocessBody, request.body, reply);
    if (!body) return reply;
    const ids = [...(body.workflowIds ?? [])];
    if (body.session) {
      for await (const movie of client.workflow.list({ query: movieListQuery({ session: body.session, open: true }) })) ids.push(movie.workflowId);
    }
    if (ids.length === 0) return reply.code(400).send({ error: 'name movies (workflowIds) or a session' });
    const by = `${body.by} (dashboard, ${request.ip})`;
    logger.info({ action: 'reprocess', movies: ids.length, session: body.session, by }, 'dashboard action');
    return reprocessMovies(client, ids, { by });
  });

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let refreshing: Promise<void> | undefined;
  const loop = async () => {
    const snapshot = await collector.refresh();
    metrics.update(snapshot);
    for (const send of listeners) send(snapshot);
    if (!closed) timer = setTimeout(() => void (refreshing = loop()), durationMs(config.dashboard.refreshInterval));
  };
  await (refreshing = loop());
  const address = await app.listen({ host: config.dashboard.host, port: config.dashboard.port });
  logger.info({ url: address, readOnly: !token }, 'dashboard listening');
  return {
    url: address,
    collector,
    async close() {
      closed = true;
      clearTimeout(timer);
      for (const send of listeners) listeners.delete(send);
      await app.close();
      // The caller closes the Temporal client next: no refresh may still be using it.
      await refreshing;
    },
  };
}

/** The Temporal SDK's worker metrics (served by the worker process's runtime), appended to ours. */
async function scrapeWorkerMetrics(bindAddress: string, logger: Logger): Promise<string> {
  try {
    const response = await fetch(`http://${bindAddress}/metrics`, { signal: AbortSignal.timeout(3_000) });
    return `\n${await response.text()}`;
  } catch (error) {
    logger.warn({ bindAddress, err: (error as Error).message }, 'worker metrics unavailable');
    return '';
  }
}
