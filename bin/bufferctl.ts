#!/usr/bin/env -S node --import tsx
/**
 * bufferctl: the operator's command line. Talks to Temporal (queries, signals, visibility); never changes files
 * (`gain-check` and `reconcile --hashes` read them).
 *   bufferctl status [movie]        what a movie is doing, with running activities and their last failure; without
 *                                   a movie: per buffer host, stages, backlog, storage health, holds, queues
 *   bufferctl list [--stage S]      movies by stage/session/camera, plus the equivalent `temporal` command
 *   bufferctl hold <movie...> | --session S | --buffer-host B | --all     keep movies out of the archive (and expiry)
 *   bufferctl release <movie...> | --session S | --buffer-host B | --all
 *   bufferctl retry <movie...>      try parked movies again after fixing what parked them
 *   bufferctl expire <movie...> | --dry-run [--buffer-host B]   expire now, or show what would go and why
 *   bufferctl reconcile [--session S] [--hashes]   leginondb vs movies vs files: findings with repairs (report only)
 *   bufferctl reprocess <movie...> | --session S [--motion-engine E] [--ctf-engine E]   pre-process again
 *   bufferctl buffer-host setup|enable|disable|show   BufferHostData in leginondb (was buffer_host_setup.py)
 *   bufferctl gain-check <movie...> | --session S   the gain sentinel now: raw frames against the gain reference
 *                                   (reads the movie's files: run it on its buffer host)
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { decodePendingActivityState, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { Command, Option } from 'commander';
import {
  applyBufferHostChange,
  BufferHostAdminError,
  describeAssignment,
  describeChange,
  describeTable,
  type BufferHostRequest,
} from '../src/bufferHostAdmin.js';
import { ConfigError, durationMs, loadConfig, type Config } from '../src/config.js';
import { openBufferDb } from '../src/bufferdb.js';
import type { ImageClass } from '../src/imageClasses.js';
import { findMovieReferences, findSessionFrameImages, listBufferHostAssignments, openLeginonDb, type Db } from '../src/leginondb.js';
import { gainSentinelJobOf, runGainSentinel } from '../src/preprocess/gainSentinel.js';
import { SafeRoot } from '../src/safeFs.js';
import { fingerprintStored } from '../src/compression.js';
import { reconcileSession, type MovieFacts } from '../src/reconcile.js';
import type { MovieStatus } from '../src/movie.js';
import { classifyCameraEntry, escapeName, terminalSafe } from '../src/names.js';
import { describeScope, type HoldScope } from '../src/holds.js';
import { holdsInForce } from '../src/holdsRegistry.js';
import {
  MOVIE_STAGES,
  movieWorkflowId,
  QUERIES,
  SEARCH_ATTRIBUTES,
  SIGNALS,
  type MovieStage,
} from '../src/operatorNames.js';
import { formatMovieStatus, type PendingActivity } from '../src/statusFormat.js';
import type { HeartbeatDetails } from '../src/fileProgress.js';
import { CTF_ENGINES, MOTION_ENGINES, type CtfEngine, type MotionEngine } from '../src/preprocess/engines.js';
import type { ReprocessRequest } from '../src/preprocess/job.js';
import { archivedCount, diskSpace, expiringBytes, oldestArchivedMovies } from '../src/bufferInventory.js';
import { describeUsage, oldestFirstWindows, planEarlyExpiry } from '../src/capacity.js';
import { formatAlerts, formatOverview, type DashboardAlerts } from '../src/overview.js';
import { gatherHostOverview } from '../src/hostOverview.js';
import { changeMovieHold, changeScopeHold, reprocessMovies } from '../src/operatorActions.js';
import { connectClient, TemporalUnreachableError } from '../src/temporal.js';
import { formatBytes } from '../src/units.js';
import { movieListQuery, temporalListCommand } from '../src/visibilityQuery.js';

// `bufferctl list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

class BufferctlUsageError extends Error {}

const DEFAULT_CONFIG = process.env.BUFFER_CONFIG ?? 'var/demo/config.json';

/** Operator output: names from cameras and leginondb can hold ESC, C1 or bidi characters; the terminal is shown them escaped. */
const say = (text: string) => console.log(terminalSafe(text));

const program = new Command('bufferctl')
  .description('Operate the cryo-EM buffer server: movie status, holds, retries, buffer-host pairing')
  .option('--config <file>', 'configuration file (env BUFFER_CONFIG)', DEFAULT_CONFIG)
  .showHelpAfterError();

async function withClient<T>(run: (client: Client, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig(program.opts<{ config: string }>().config);
  const client = await connectClient(config);
  try {
    return await run(client, config);
  } finally {
    await client.connection.close();
  }
}

/** Accepts a workflow id (movie:<camera>:<frames name>), a frames name, or a camera file name. */
async function resolveMovieId(client: Client, config: Config, reference: string): Promise<string> {
  if (reference.startsWith('movie:')) return reference;
  const entry = classifyCameraEntry(reference);
  const framesName = entry.kind === 'movie' ? entry.movie.framesName : reference;
  const candidates = config.cameras.map((camera) => movieWorkflowId(camera.host, framesName));
  for (const id of candidates) {
    try {
      await client.workflow.getHandle(id).describe();
      return id;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  throw new WorkflowNotFoundError(`no movie ${JSON.stringify(reference)} (tried ${candidates.join(', ')})`, candidates[0]!, undefined);
}

async function pendingActivities(client: Client, workflowId: string): Promise<PendingActivity[]> {
  const description = await client.workflow.getHandle(workflowId).describe();
  return (description.raw.pendingActivities ?? []).map((activity) => {
    const details = activity.heartbeatDetails?.payloads?.[0];
    const progress = details ? (defaultPayloadConverter.fromPayload(details) as HeartbeatDetails) : undefined;
    return {
      activityType: activity.activityType?.name ?? '?',
      attempt: activity.attempt ?? 1,
      queued: decodePendingActivityState(activity.state) === 'SCHEDULED',
      lastFailure: activity.lastFailure?.message ?? undefined,
      bytesDone: progress?.bytesDone,
      waiting: progress?.waiting,
      file: progress?.file,
    };
  });
}

/** The alerts in force, as the dashboard raised them (it keeps the history a one-shot command lacks). */
async function dashboardAlerts(config: Config): Promise<DashboardAlerts> {
  const host = ['0.0.0.0', '::'].includes(config.dashboard.host) ? '127.0.0.1' : config.dashboard.host;
  const url = `http://${host}:${config.dashboard.port}/api/alerts`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return (await response.json()) as DashboardAlerts;
  } catch (error) {
    return { unavailable: `dashboard not reachable at ${url} (${(error as Error).message}); alerts unknown` };
  }
}

function operator(): string {
  return `${os.userInfo().username}@${os.hostname()}`;
}

program
  .command('status')
  .argument('[movie]', 'workflow id, frames name or camera file name; none: the overview of every buffer host')
  .option('--json', 'print the raw status query result')
  .description('show one movie (stage, names, paths, hash, hold, running activities, timeline), or the overview')
  .action(async (reference: string | undefined, options: { json?: boolean }) =>
    withClient(async (client, config) => {
      if (!reference) {
        const hosts = await Promise.all(config.bufferHosts.map((host) => gatherHostOverview(client, config, host.name, host.root)));
        const holds = await holdsInForce(client);
        const alerts = await dashboardAlerts(config);
        if (options.json) console.log(JSON.stringify({ alerts, holds, hosts }, null, 2));
        else {
          const webUi = config.dashboard.temporalWebUi ? `Temporal Web UI ${config.dashboard.temporalWebUi}\n` : '';
          say(`${webUi}${formatAlerts(alerts)}\n${formatOverview(hosts, holds, config.temporal.namespace)}`);
        }
        return;
      }
      const id = await resolveMovieId(client, config, reference);
      const status = await client.workflow.getHandle(id).query<MovieStatus>(QUERIES.status);
      if (options.json) console.log(JSON.stringify(status, null, 2));
      else say(formatMovieStatus(id, status, await pendingActivities(client, id)));
    }),
  );

program
  .command('list')
  .description('list movies, newest first')
  .addOption(new Option('--stage <stage>', 'only movies in this stage').choices(MOVIE_STAGES))
  .option('--session <name>', 'only this Leginon session')
  .option('--camera <host>', 'only this camera host')
  .option('--limit <n>', 'at most this many', (v) => Number.parseInt(v, 10), 50)
  .action(async (options: { stage?: MovieStage; session?: string; camera?: string; limit: number }) =>
    withClient(async (client, config) => {
      const query = movieListQuery({ stage: options.stage, session: options.session, cameraHost: options.camera });
      let shown = 0;
      say(['STAGE'.padEnd(15), 'SESSION'.padEnd(10), 'STARTED'.padEnd(24), 'PREPROC ', '   DRIFT', 'CTF FIT', 'MOVIE'].join('  '));
      for await (const movie of client.workflow.list({ query })) {
        const attributes = movie.typedSearchAttributes;
        const drift = attributes.get(SEARCH_ATTRIBUTES.totalDrift);
        const resolution = attributes.get(SEARCH_ATTRIBUTES.ctfResolution);
        say(
          [
            (attributes.get(SEARCH_ATTRIBUTES.movieStage) ?? '?').padEnd(15),
            (attributes.get(SEARCH_ATTRIBUTES.leginonSession) ?? '-').padEnd(10),
            movie.startTime.toISOString(),
            (attributes.get(SEARCH_ATTRIBUTES.preprocessState) ?? '-').padEnd(8),
            (drift === undefined ? '-' : `${drift.toFixed(1)} px`).padStart(8),
            (resolution === undefined ? '-' : `${resolution.toFixed(1)} Å`).padStart(7),
            escapeName(movie.workflowId),
          ].join('  '),
        );
        if (++shown >= options.limit) break;
      }
      say(`\n${shown} shown. The same list in the Temporal CLI:\n  ${temporalListCommand(query, config.temporal.namespace)}`);
    }),
  );


/** `hold`/`release`: of movies by name, or of a whole scope (kept in archiveHolds so later movies are covered too). */
function holdCommand(name: 'hold' | 'release', description: string) {
  return program
    .command(name)
    .argument('[movies...]', 'workflow ids, frames names or camera file names')
    .option('--session <name>', 'every movie of this Leginon session, including those still to come')
    .option('--buffer-host <name>', 'every movie on this buffer host, including those still to come')
    .option('--all', 'every movie (e.g. GPFS maintenance), including those still to come')
    .option('--reason <text>', 'why (shown in status and the Web UI)')
    .description(description)
    .action(async (references: string[], options: { session?: string; bufferHost?: string; all?: boolean; reason?: string }) =>
      withClient(async (client, config) => {
        const scopes: HoldScope[] = [
          ...(options.all ? (['all'] as const) : []),
          ...(options.session ? [`session:${options.session}` as const] : []),
          ...(options.bufferHost ? [`bufferHost:${options.bufferHost}` as const] : []),
        ];
        if (scopes.length + references.length === 0) throw new BufferctlUsageError(`name movies, or --session, --buffer-host or --all`);
        const request = { reason: options.reason ?? 'held by operator', by: operator() };
        for (const scope of scopes) {
          const signalled = await changeScopeHold(client, name, scope, request);
          const rest = name === 'hold' ? 'archived movies keep their buffer copy past expiry, movies arriving later are held too' : 'the hold is lifted';
          say(`${name} ${describeScope(scope)}: ${signalled} movie(s) ${name === 'hold' ? 'not yet archived' : 'held'} signalled; ${rest}`);
        }
        for (const reference of references) {
          const id = await resolveMovieId(client, config, reference);
          await changeMovieHold(client, name, id, request);
          say(`${name}: ${id}`);
        }
      }),
    );
}

holdCommand('hold', 'hold movies out of the archive and expiry (copy off the camera and pre-processing go on)');
holdCommand('release', 'release held movies, or a session, buffer host or fleet-wide hold');
program
  .command('retry')
  .argument('<movies...>', 'workflow ids, frames names or camera file names')
  .description('try parked movies again (after fixing their Leginon row, name or path)')
  .action(async (references: string[]) =>
    withClient(async (client, config) => {
      for (const reference of references) {
        const id = await resolveMovieId(client, config, reference);
        await client.workflow.getHandle(id).signal(SIGNALS.retry);
        say(`retry: ${id}`);
      }
    }),
  );

program
  .command('reprocess')
  .argument('[movies...]', 'workflow ids, frames names or camera file names')
  .option('--session <name>', 'every movie of this Leginon session still on the buffer')
  .addOption(new Option('--motion-engine <engine>', 'motion-correction engine for this run').choices(MOTION_ENGINES.filter((e) => e !== 'none')))
  .addOption(new Option('--ctf-engine <engine>', 'CTF engine for this run').choices(CTF_ENGINES))
  .description('run pre-processing again (outputs go to a new run-<n> folder); movies already expired cannot be')
  .action(async (references: string[], options: { session?: string; motionEngine?: MotionEngine; ctfEngine?: CtfEngine }) =>
    withClient(async (client, config) => {
      if (references.length === 0 && !options.session) throw new BufferctlUsageError('name movies, or a session with --session');
      const ids = await Promise.all(references.map((r) => resolveMovieId(client, config, r)));
      if (options.session) {
        const query = `${movieListQuery({ session: options.session })} AND ExecutionStatus = 'Running'`;
        for await (const movie of client.workflow.list({ query })) ids.push(movie.workflowId);
      }
      const request: ReprocessRequest = { motionEngine: options.motionEngine, ctfEngine: options.ctfEngine, by: operator() };
      const { signalled, ended } = await reprocessMovies(client, ids, request);
      for (const id of signalled) say(`reprocess: ${id}`);
      for (const id of ended) say(`not reprocessed: ${id} has ended (its buffer copy expired)`);
      say(`${signalled.length} movie(s) queued for pre-processing; follow them with \`bufferctl status <movie>\``);
    }),
  );

program
  .command('gain-check')
  .argument('[movies...]', 'workflow ids, frames names or camera file names')
  .option('--session <name>', 'the newest movies of this Leginon session still on the buffer (as many as preprocess.gainCheck.firstMovies, at least 1)')
  .description("hold movies' raw frames against their session's gain reference in all 8 orientations, say which fits and what is new (stored for the dashboard's alert)")
  .action(async (references: string[], options: { session?: string }) =>
    withClient(async (client, config) => {
      if (references.length === 0 && !options.session) throw new BufferctlUsageError('name movies, or a session with --session');
      const ids = await Promise.all(references.map((r) => resolveMovieId(client, config, r)));
      if (options.session) {
        const query = `${movieListQuery({ session: options.session })} AND ExecutionStatus = 'Running'`;
        const newest = Math.max(1, config.preprocess.gainCheck.firstMovies);
        for await (const movie of client.workflow.list({ query })) if (ids.length < references.length + newest) ids.push(movie.workflowId);
      }
      const leginonDb = openLeginonDb(config.leginondb.url);
      const bufferDb = config.bufferdb ? openBufferDb(config.bufferdb.url) : undefined;
      try {
        let problems = 0;
        for (const id of ids) {
          const status = await client.workflow.getHandle(id).query<MovieStatus>(QUERIES.status);
          const host = config.bufferHosts.find((h) => h.name === status.bufferHost);
          const camera = status.leginon && (await findMovieReferences(leginonDb, status.leginon.imageClass as ImageClass, status.leginon.imageId));
          const job = camera && host ? gainSentinelJobOf(id, status, { flip: camera.flip, rotate: camera.rotate }, config.preprocess.gainCheck.frames) : 'its Leginon image or buffer host is not known yet';
          if (typeof job === 'string') {
            say(`${id}: not checked: ${job}`);
            continue;
          }
          const headline = await runGainSentinel(job, { buffer: new SafeRoot(host!.root), archive: new SafeRoot(config.archive.root), bufferDb });
          if (headline.problem) problems++;
          say(`${id}: ${headline.problem ? 'PROBLEM: ' : ''}${headline.verdict}`);
        }
        if (problems > 0) process.exitCode = 1;
      } finally {
        await leginonDb.end();
        await bufferDb?.end();
      }
    }),
  );

/** How many of the next expiries `expire --dry-run` shows per buffer host. */
const SCHEDULE_SHOWN = 20;

program
  .command('expire')
  .argument('[movies...]', 'archived movies to expire now (their archive copy is still re-verified first)')
  .option('--dry-run', 'show what would go and why: early expiry above the high watermark, then the scheduled expiries')
  .option('--buffer-host <name>', 'with --dry-run: only this buffer host')
  .description('expire archived movies now, or (--dry-run) show what expiry would delete and why')
  .action(async (references: string[], options: { dryRun?: boolean; bufferHost?: string }) =>
    withClient(async (client, config) => {
      if (!options.dryRun) {
        if (references.length === 0) throw new BufferctlUsageError('name archived movies to expire now, or use --dry-run');
        for (const reference of references) {
          const id = await resolveMovieId(client, config, reference);
          await client.workflow.getHandle(id).signal(SIGNALS.expireEarly, { reason: 'expired by operator', by: operator() });
          say(`expire: ${id} (goes once its archive copy is re-verified; a held or un-archived movie waits)`);
        }
        return;
      }
      const marks = { high: config.capacity.highWatermark, low: config.capacity.lowWatermark };
      for (const host of config.bufferHosts.filter((h) => !options.bufferHost || h.name === options.bufferHost)) {
        const usage = await diskSpace(host.root).catch(() => undefined);
        const archivedTotal = await archivedCount(client, host.name);
        say(`buffer host ${host.name}: ${archivedTotal} archived movies still on the buffer`);
        const expiring = await expiringBytes(client, host.name);
        const wanted = usage ? planEarlyExpiry(usage, [], marks, expiring).bytesToFree : 0;
        // The oldest only: a facility keeps 100k-340k archived movies, too many to list (or ask) one by one.
        const windows = oldestFirstWindows(new Date(), durationMs(config.expiry.after));
        const archived = await oldestArchivedMovies(client, host.name, windows, { bytes: wanted, movies: SCHEDULE_SHOWN });
        if (!usage) {
          say(`  usage unknown here (${host.root} is not mounted; run on ${host.name}); early expiry not planned`);
        } else {
          const plan = planEarlyExpiry(usage, archived, marks, expiring);
          say(`  ${describeUsage(plan, marks)}`);
          if (plan.aboveHigh) {
            const action = config.capacity.expireEarly ? 'would expire early' : 'would expire early if capacity.expireEarly were on';
            say(`  ${action}, oldest first, to get under ${(marks.low * 100).toFixed(0)}% (${formatBytes(plan.bytesToFree)}):`);
            for (const movie of plan.expire) say(`    ${movie.workflowId}  arrived ${movie.startTime.toISOString()}  ${formatBytes(movie.bytes)}`);
            if (plan.bytesFreed < plan.bytesToFree) say('    (not enough is archived yet: un-archived movies are never expired)');
          }
        }
        const oldest = [...archived].sort((a, b) => a.startTime.getTime() - b.startTime.getTime()).slice(0, SCHEDULE_SHOWN);
        const scheduled = await Promise.all(
          oldest.map(async (movie) => ({ movie, status: await client.workflow.getHandle(movie.workflowId).query<MovieStatus>(QUERIES.status) })),
        );
        scheduled.sort((a, b) => (a.status.expiresAt ?? '').localeCompare(b.status.expiresAt ?? ''));
        for (const { movie, status } of scheduled) {
          const why = status.holds?.length ? `HELD (${status.holds.map((h) => h.reason).join('; ')}): kept past its time` : `archived and verified ${status.archive?.verifiedAt ?? '?'}`;
          say(`  at ${status.expiresAt ?? '?'}  ${movie.workflowId}  ${why}`);
        }
        if (archivedTotal > scheduled.length) say(`  ... and ${archivedTotal - scheduled.length} more, later (bufferctl list --stage archived)`);
      }
    }),
  );

program
  .command('reconcile')
  .option('--session <name>', 'this Leginon session; default: every session with open movies')
  .option('--hashes', "also read every buffer and archive copy in full and compare its content hash with the camera file's (slow: reads the session's data)")
  .description("compare leginondb's images with the movies and their buffer and archive files; report only, with the command that repairs each finding")
  .action(async (options: { session?: string; hashes?: boolean }) =>
    withClient(async (client) =>
      withLeginonDb(async (db) => {
        const sessions = new Set<string>(options.session ? [options.session] : []);
        if (!options.session) {
          for await (const movie of client.workflow.list({ query: movieListQuery({ open: true }) })) {
            const session = movie.typedSearchAttributes.get(SEARCH_ATTRIBUTES.leginonSession);
            if (session) sessions.add(session);
          }
        }
        let total = 0;
        for (const session of sessions) {
          const images = await findSessionFrameImages(db, session);
          const movies = new Map<string, MovieFacts>();
          const folders = new Set<string>();
          for (const image of images) {
            const workflowId = movieWorkflowId(image.cameraHost, image.framesName);
            const status = await client.workflow
              .getHandle(workflowId)
              .query<MovieStatus>(QUERIES.status)
              .catch((error) => {
                if (error instanceof WorkflowNotFoundError) return undefined;
                throw error;
              });
            if (!status) continue;
            const copyFacts = async (file: string) => {
              const bytes = statSync(file, { throwIfNoEntry: false })?.size;
              const compressed = file.endsWith('.gz');
              const hash = options.hashes && bytes !== undefined ? (await fingerprintStored(file, compressed ? 'gzip' : undefined)).hash : undefined;
              return { path: file, bytes, hash, compressed };
            };
            for (const file of [status.buffer?.path, status.archive?.path]) if (file) folders.add(path.dirname(file));
            movies.set(workflowId, {
              workflowId,
              stage: status.stage,
              open: !['expired'].includes(status.stage),
              bytes: status.camera.bytes,
              hash: status.fingerprint?.hash,
              buffer: status.buffer && status.stage !== 'expired' ? await copyFacts(status.buffer.path) : undefined,
              archive: status.archive && (await copyFacts(status.archive.path)),
            });
          }
          const files = [...folders].flatMap((folder) => (existsSync(folder) ? readdirSync(folder).map((f) => path.join(folder, f)) : []));
          const findings = reconcileSession(images, movies, files, (image) => movieWorkflowId(image.cameraHost, image.framesName));
          total += findings.length;
          say(`session ${session}: ${images.length} images with saved frames, ${findings.length} findings`);
          for (const f of findings) {
            const run = f.commands.map((command) => `\n      run: ${command}`).join('');
            say(`  ${f.kind.toUpperCase()}  ${f.subject}\n      ${f.detail}\n      repair: ${f.repair}${run}`);
          }
        }
        if (sessions.size === 0) say('no session to reconcile (name one with --session)');
        else if (total === 0) say('everything matches');
      }),
    ),
  );

async function withLeginonDb<T>(run: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig(program.opts<{ config: string }>().config);
  const db = openLeginonDb(config.leginondb.url);
  try {
    return await run(db);
  } finally {
    await db.end();
  }
}

const bufferHost = program
  .command('buffer-host')
  .description("pair cameras with this buffer host in leginondb's BufferHostData (replaces buffer_host_setup.py and the phpMyAdmin step)");

function changeCommand(name: 'setup' | 'enable' | 'disable', description: string) {
  const command = bufferHost
    .command(name)
    .description(description)
    .requiredOption('--camera-host <host>', 'InstrumentData.hostname of the camera computer')
    .requiredOption('--buffer-host <host>', 'the buffer host name');
  if (name === 'setup') {
    command
      .requiredOption('--base-path <path>', 'absolute folder on the buffer host that session folders go under')
      .option('--append-full-head', "keep the image path's part before `leginon` under the base path", false);
  }
  return command.action(async (options: { cameraHost: string; bufferHost: string; basePath?: string; appendFullHead?: boolean }) =>
    withLeginonDb(async (db) => {
      const request: BufferHostRequest =
        name === 'setup'
          ? { kind: 'setup', cameraHost: options.cameraHost, bufferHost: options.bufferHost, basePath: options.basePath!, appendFullHead: Boolean(options.appendFullHead) }
          : { kind: name, cameraHost: options.cameraHost, bufferHost: options.bufferHost };
      const { changes, table } = await applyBufferHostChange(db, request);
      for (const change of changes) say(describeChange(change, options.bufferHost));
      for (const note of describeTable(table)) say(note);
    }),
  );
}

changeCommand('setup', 'pair every camera with this host name with a buffer host and base path (a new base path re-enables the pair)');
changeCommand('enable', 'route the cameras\' frames to the buffer host again');
changeCommand('disable', 'stop routing frames to the buffer host (e.g. while it is serviced): new movies go to the frame path');
bufferHost
  .command('show')
  .description('list BufferHostData pairs')
  .option('--camera-host <host>', 'only this camera host')
  .action(async (options: { cameraHost?: string }) =>
    withLeginonDb(async (db) => {
      const rows = await listBufferHostAssignments(db, options.cameraHost);
      if (rows.length === 0) say('no BufferHostData rows: every camera writes to its session frame path');
      for (const row of rows) say(describeAssignment(row));
    }),
  );

try {
  await program.parseAsync();
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof WorkflowNotFoundError ||
    error instanceof TemporalUnreachableError ||
    error instanceof BufferHostAdminError ||
    error instanceof BufferctlUsageError
  ) {
    console.error(`bufferctl: ${error.message}`);
    process.exit(2);
  }
  throw error;
}
