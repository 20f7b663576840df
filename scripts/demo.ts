/**
 * `npm start`: the embedded demo. A local Temporal dev server (Web UI), a simulated microscope writing movies
 * and Leginon rows, and every role of the buffer server, all on this machine under var/. Ctrl-C stops it all;
 * the dev server's history stays in var/temporal/ for the next run.
 *
 * Pre-processing runs for real: RELION's CPU motion correction (Debian's relion package, installed here if
 * missing) and CTFFIND 4.1.14 (built from Debian's source into the project's cache on first run), on K3 movies of
 * a simulated specimen with real Thon rings (its truth in the simulator's log beside the camera share).
 *
 * Environment: DEMO_MOVIE_MB (size of DE frames folders, default 8), DEMO_INTERVAL_S (seconds between exposures, default 4),
 * DEMO_MOVIES (stop acquiring after this many), TEMPORAL_ADDRESS (use that cluster instead), LEGINONDB_URL.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startDashboard } from '../dashboard/server.js';
import { openBufferDb } from '../src/bufferdb.js';
import { durationMs } from '../src/config.js';
import { logger } from '../src/logger.js';
import { createDatabase, ensureMariaDb } from '../src/mariadb.js';
import { ensureCtffindInstalled } from '../src/ctffindBuild.js';
import { ensureRelionInstalled } from '../src/debianPackages.js';
import { SIMULATED_OPTICS } from '../src/simulator/microscope.js';
import { prepareSimulatedFacility } from '../src/simulator/facility.js';
import { connectClient } from '../src/temporal.js';
import { freePort, startDevServer } from '../src/temporalDevServer.js';
import { movieListQuery } from '../src/visibilityQuery.js';
import { ROLES, startRoles } from '../workers/roles.js';

const root = path.resolve(import.meta.dirname, '..');
const demoDir = path.join(root, 'var', 'demo');
const leginondbUrl = process.env.LEGINONDB_URL ?? 'mysql://root@127.0.0.1:3306/cryo_buffer_demo_leginondb';
const bufferdbUrl = new URL('cryo_buffer_demo', leginondbUrl).toString();
/** Side of the simulated K3/Falcon frames: big enough for a CTF fit, small enough for 2 cores to keep up. */
const FRAME_SIZE = 1024;
/** 50 e-/Å² over 40 frames, as the simulated Leginon preset records. */
const FRAMES = 40;
const movieBytes = Number(process.env.DEMO_MOVIE_MB ?? 8) * 1024 * 1024;
const intervalMs = Number(process.env.DEMO_INTERVAL_S ?? 4) * 1000;
const movieLimit = process.env.DEMO_MOVIES ? Number(process.env.DEMO_MOVIES) : Infinity;
/** Every LATE_ROW_EVERY-th exposure gets its Leginon row after the grace period: it parks, then `bufferctl retry`. */
const LATE_ROW_EVERY = 12;
/** A K3 writes TIFFs; every 5th exposure comes as a DE frames folder, every 7th as a Falcon .mrcs + .xml. */
const formatOf = (n: number) => (n % 5 === 0 ? 'de' : n % 7 === 0 ? 'falcon' : 'tif');
/** Every 10th exposure is a gain/dark reference, cycling through Leginon's reference classes. */
const REFERENCE_CLASSES = ['DarkImageData', 'BrightImageData', 'NormImageData'] as const;
const imageClassOf = (n: number) => (n % 10 === 0 ? REFERENCE_CLASSES[(n / 10) % 3] : 'AcquisitionImageData');
const DEMO_SETTINGS = {
  watcher: { pollInterval: '1s', stableFor: '2s' },
  leginon: { grace: '30s', lookupInterval: '3s' },
  expiry: { after: '2m' },
  archiveRetry: { initialInterval: '2s', maximumInterval: '30s' },
  activities: { heartbeatTimeout: '30s' },
  capacity: { reserveGiB: 0 },
  bufferdb: { url: bufferdbUrl },
  preprocess: {
    motionCorrection: { engine: 'relion', patches: [1, 1] },
    ctf: { engine: 'ctffind4', executable: await ensureCtffindInstalled(), amplitudeContrast: SIMULATED_OPTICS.amplitudeContrast, astigmatismTolerance: 500 },
  },
};

console.log('cryo-buffer demo: setting up (MariaDB, Temporal dev server, simulated microscope)...');
await ensureMariaDb(leginondbUrl);
await createDatabase(bufferdbUrl);
await ensureRelionInstalled();
const external = process.env.TEMPORAL_ADDRESS;
const temporal = external
  ? undefined
  : await startDevServer({
      port: 7233,
      uiPort: 8233,
      dbFile: path.join(root, 'var', 'temporal', 'dev.db'),
      logFile: path.join(root, 'var', 'temporal', 'dev.log'),
      namespace: 'default',
      retentionMs: durationMs('30d'),
    });
// The demo's dashboard accepts actions from whoever has this run's token (printed below).
const operatorToken = process.env.DASHBOARD_OPERATOR_TOKEN ?? randomBytes(12).toString('hex');
const facility = await prepareSimulatedFacility({
  baseDir: demoDir,
  leginondbUrl,
  overrides: {
    ...DEMO_SETTINGS,
    temporal: { address: temporal?.address ?? external },
    dashboard: { operatorToken, throughputWindow: '1h', throughputBucket: '5m' },
    // Alerts a short demo can show: a quiet camera after 2 minutes.
    alerts: { noMovieFor: '2m' },
    metrics: { workerBindAddress: `127.0.0.1:${await freePort()}` },
  },
});
const { config, microscope } = facility;
// The session's gain and dark references, with frames saved flipped and turned, as on many K3 setups.
await microscope.recordReferences({ flip: true, rotate: 1, darkFrames: FRAMES, flatSize: FRAME_SIZE });
const roles = await startRoles(config, { roles: ROLES });
const client = await connectClient(config);
const bufferDb = openBufferDb(config.bufferdb!.url);
const dashboard = await startDashboard(config, { client, bufferDb, webUi: temporal?.uiUrl, logger });
const startedAt = new Date().toISOString();
const uiUrl = temporal?.uiUrl ?? 'your cluster’s Web UI';
const bufferctl = `npm run -s bufferctl -- --config ${path.relative(root, facility.configFile)}`;

console.log(`
  dashboard         ${dashboard.url}   (operator token for its actions: ${operatorToken})
  metrics           ${dashboard.url}/metrics
  Temporal Web UI   ${temporal?.uiUrl ? `${temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows` : uiUrl}
  Leginon session   ${facility.sessionName} in ${leginondbUrl}
  camera share      ${facility.dirs.camera}
  buffer / GPFS     ${facility.sessionDirs.buffer}
                    ${facility.sessionDirs.archive}
  try               ${bufferctl} list
                    ${bufferctl} list --stage parked     (every ${LATE_ROW_EVERY}th movie's Leginon row comes late)
                    ${bufferctl} retry <movie id>
                    ${bufferctl} status <movie id>         (motion correction and CTF figures)
                    ${bufferctl} reprocess <movie id>
  pre-processing    RELION's CPU motion correction (relion_run_motioncorr --use_own), for real;
                    CTFFIND 4.1.14 for real; the simulator's truth for each movie is in ${microscope.truthLog}
                    outputs in ${config.preprocess.outputRoot}
  logs              ${process.env.LOG_FILE ?? 'stdout'}
  Ctrl-C stops everything; history stays in var/temporal/.
`);

let acquired = 0;
let stopping = false;
async function acquireLoop() {
  while (!stopping && acquired < movieLimit) {
    acquired++;
    const late = acquired % LATE_ROW_EVERY === 0;
    const format = formatOf(acquired);
    // Specimen drift of up to a pixel per frame, as beam-induced motion gives.
    const drift = { x: Math.random() * 2 - 1, y: Math.random() * 2 - 1, frames: FRAMES, size: FRAME_SIZE };
    const movie = await microscope.acquire({
      bytes: movieBytes,
      drift: format === 'de' ? undefined : drift,
      writeMs: 1500,
      format,
      imageClass: imageClassOf(acquired),
      rowDelayMs: late ? durationMs(DEMO_SETTINGS.leginon.grace) + 15_000 : Math.round(Math.random() * 2000),
    });
    void movie.rowsInserted.catch(() => undefined);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

async function count(filter: Parameters<typeof movieListQuery>[0]): Promise<number> {
  return (await client.workflow.count(movieListQuery({ startedSince: startedAt, ...filter }))).count;
}

async function statusLine(): Promise<string> {
  const [seen, copying, archiving, archived, expiring, expired, parked, held, preprocessed] = await Promise.all([
    count({}),
    count({ stage: 'copying' }),
    count({ stage: 'archiving' }),
    count({ stage: 'archived' }),
    count({ stage: 'expiring' }),
    count({ stage: 'expired' }),
    count({ stage: 'parked' }),
    count({ stage: 'archive-held' }),
    count({ preprocessState: 'done' }),
  ]);
  const copied = seen - copying;
  return `acquired ${acquired} | seen ${seen} | copied ${copied} | preprocessed ${preprocessed} | archiving ${archiving} | archived ${archived + expiring + expired} | expired ${expired} | parked ${parked} | held ${held}`;
}

const ticker = setInterval(() => {
  statusLine()
    .then((line) => process.stdout.write(`\r${line}   `))
    .catch(() => undefined);
}, 2000);

async function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  process.stdout.write('\nStopping: dashboard, watcher, workers, dev server...\n');
  await dashboard.close();
  await bufferDb.end();
  await roles.stop();
  await client.connection.close();
  await facility.db.end();
  await temporal?.stop();
  console.log('Stopped. Run `npm start` again to continue; open movies resume where they were.');
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

await acquireLoop();
