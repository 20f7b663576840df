/**
 * Gathers a session's view on demand: its movies from Temporal visibility, each movie's status (queried again
 * only when its listed stage moved on: see needsStatusQuery), and pre-processing figures from bufferdb. A view is
 * reused for one refresh interval, however many pages ask.
 */
import type { Client } from '@temporalio/client';
import { sessionFigures, type BufferDb } from '../src/bufferdb.js';
import { durationMs, type Config } from '../src/config.js';
import { buildSessionView, digestStatus, needsStatusQuery, type ListedMovie, type SessionView, type StatusDigest } from '../src/dashboard/session.js';
import type { MovieStatus } from '../src/movie.js';
import { QUERIES, SEARCH_ATTRIBUTES } from '../src/operatorNames.js';
import { movieListQuery } from '../src/visibilityQuery.js';
import { BoundedMap } from '../src/boundedMap.js';

/** Status queries in flight at once: each may replay a history on a worker. */
const QUERY_CONCURRENCY = 8;
/** The newest movies a view shows. */
const MAX_MOVIES = 5_000;
/** Sessions whose views are kept (a name in a URL makes one), and movies whose digests are (every movie shown). */
const MAX_SESSIONS = 64;
const MAX_DIGESTS = 100_000;

export class SessionViews {
  private readonly digests = new BoundedMap<string, StatusDigest>(MAX_DIGESTS);
  private readonly views = new BoundedMap<string, { at: number; view: Promise<SessionView> }>(MAX_SESSIONS);

  constructor(
    private readonly client: Client,
    private readonly config: Config,
    private readonly bufferDb: BufferDb | undefined,
    private readonly webUi: string | undefined,
  ) {}

  get(session: string, now = Date.now()): Promise<SessionView> {
    const cached = this.views.get(session);
    if (cached && now - cached.at < durationMs(this.config.dashboard.refreshInterval)) return cached.view;
    const view = this.gather(session, now);
    this.views.set(session, { at: now, view });
    view.catch(() => this.views.delete(session));
    return view;
  }

  private async gather(session: string, now: number): Promise<SessionView> {
    const listed: ListedMovie[] = [];
    for await (const movie of this.client.workflow.list({ query: movieListQuery({ session }) })) {
      const attributes = movie.typedSearchAttributes;
      listed.push({
        workflowId: movie.workflowId,
        runId: movie.runId,
        startedAt: movie.startTime.getTime(),
        stage: attributes.get(SEARCH_ATTRIBUTES.movieStage),
        preprocessState: attributes.get(SEARCH_ATTRIBUTES.preprocessState),
      });
      if (listed.length >= MAX_MOVIES) break;
    }
    const stale = listed.filter((m) => needsStatusQuery(m.stage, this.digests.get(m.workflowId)));
    for (let i = 0; i < stale.length; i += QUERY_CONCURRENCY) {
      await Promise.all(
        stale.slice(i, i + QUERY_CONCURRENCY).map(async (movie) => {
          const status = await this.client.workflow.getHandle(movie.workflowId, movie.runId).query<MovieStatus>(QUERIES.status).catch(() => undefined);
          if (status) this.digests.set(movie.workflowId, digestStatus(status));
        }),
      );
    }
    const figures = this.bufferDb ? await sessionFigures(this.bufferDb, session) : [];
    return buildSessionView(session, listed, this.digests, figures, { quality: this.config.quality, namespace: this.config.temporal.namespace, webUi: this.webUi, now });
  }
}
