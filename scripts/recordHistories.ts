/**
 * `npm run record-histories -- <label>`: runs the workflows through their main paths on a fresh simulated facility
 * (real dev server, MariaDB, workers, stand-in engines) and saves every workflow's history as JSON under
 * test/fixtures/histories/<label>/. Run it before changing workflow code, commit the files, and the replay test
 * (test/integration/replay.test.ts) proves the changed code still replays what today's workers record: the
 * movies asleep on their expiry timers during a deployment.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { ingestRequest } from '../src/ingestRequest.js';
import { ensureMariaDb } from '../src/mariadb.js';
import { changeScopeHold } from '../src/operatorActions.js';
import { INGEST_WORKFLOW_TYPE, SIGNALS } from '../src/operatorNames.js';
import { ensureTemporalCli } from '../src/temporalDevServer.js';
import { startRoles, ROLES } from '../workers/roles.js';
import { createHarness, GPU_STANDIN_PREPROCESS, TEST_MARIADB, waitForStage } from '../test/helpers/harness.js';

const label = process.argv[2];
if (!label || !/^[\w.-]+$/.test(label)) {
  console.error('usage: npm run record-histories -- <label>   (e.g. the version or commit whose workflows are recorded)');
  process.exit(2);
}
const folder = path.resolve(import.meta.dirname, '../test/fixtures/histories', label);

const cli = await ensureTemporalCli();
await ensureMariaDb(TEST_MARIADB);
const h = await createHarness(
  'record_histories',
  {
    expiry: { after: '2s' },
    // Fast enough that the host's bufferCapacity workflow continues as new (every 200 checks) while recording:
    // the run that ended in continue-as-new is recorded too, a boundary every deployment crosses.
    capacity: { reserveGiB: 0, checkInterval: '100ms' },
    preprocess: GPU_STANDIN_PREPROCESS,
  },
  { gpus: [0] },
);
const roles = await startRoles(h.config, { roles: ROLES.filter((role) => role !== 'watcher') });
try {
  const start = async (options: { hold?: boolean; freeCameraAfter?: 'archived'; rows?: boolean; deFrames?: number } = {}) => {
    const de = options.deFrames ? ({ format: 'de', deFrames: options.deFrames } as const) : {};
    const movie = await h.microscope.acquire({ bytes: 64 * 1024, rowDelayMs: options.rows === false ? null : 0, ...de });
    const request = ingestRequest(h.config, h.config.cameras[0]!, path.basename(movie.cameraFile), Boolean(options.deFrames))!;
    if (options.freeCameraAfter) request.args[0].settings.freeCameraAfter = options.freeCameraAfter;
    const handle = options.hold
      ? await h.client.workflow.signalWithStart(INGEST_WORKFLOW_TYPE, { ...request, signal: SIGNALS.holdArchive, signalArgs: [{ reason: 'recording', by: 'recorder' }] })
      : await h.client.workflow.start(INGEST_WORKFLOW_TYPE, request);
    return { movie, handle };
  };

  // The plain path, with pre-processing, to expiry; and a reprocess.
  const plain = await start();
  await waitForStage(plain.handle, ['archived']);
  await plain.handle.signal(SIGNALS.reprocess, { by: 'recorder' });
  // Held, released; a damaged buffer copy restored from the kept camera file.
  const held = await start({ hold: true, freeCameraAfter: 'archived' });
  const heldStatus = await waitForStage(held.handle, ['archive-held']);
  const bytes = readFileSync(heldStatus.buffer!.path);
  bytes[0]! ^= 1;
  writeFileSync(heldStatus.buffer!.path, bytes);
  await held.handle.signal(SIGNALS.releaseArchive);
  // No Leginon row: parked, then the row arrives and an operator retries.
  const orphan = await start({ rows: false });
  await waitForStage(orphan.handle, ['parked'], 30_000);
  await h.microscope.recordImage(orphan.movie.framesName, orphan.movie.imageFilename);
  await orphan.handle.signal(SIGNALS.retry);
  // A DE frames folder too long to list inline: its part lists travel as manifests (src/parts.ts), dropped at the end.
  const deFolder = await start({ deFrames: 99 });
  for (const { handle } of [plain, held, orphan, deFolder]) await waitForStage(handle, ['expired'], 60_000);
  // A session hold (archiveHolds) that an archived movie meets at its expiry, then lifted.
  const asleep = await start();
  await waitForStage(asleep.handle, ['archived']);
  const request = { reason: 'recording', by: 'recorder' };
  await changeScopeHold(h.client, 'hold', `session:${h.sessionName}`, request);
  await waitForStage(asleep.handle, ['archive-held'], 30_000);
  await changeScopeHold(h.client, 'release', `session:${h.sessionName}`, request);
  await waitForStage(asleep.handle, ['expired'], 30_000);

  mkdirSync(folder, { recursive: true });
  let count = 0;
  // Wait for a continue-as-new boundary to be on record (src: workflows/bufferCapacity.ts, 200 checks a run).
  const capacityRuns = async () => {
    let runs = 0;
    for await (const run of h.client.workflow.list({ query: `WorkflowType = 'bufferCapacity'` })) runs += run.status.name === 'CONTINUED_AS_NEW' ? 1 : 0;
    return runs;
  };
  while ((await capacityRuns()) === 0) await new Promise((r) => setTimeout(r, 1000));
  for await (const execution of h.client.workflow.list()) {
    // The CLI's JSON is the format every Temporal tool reads (and the Web UI downloads).
    const { stdout } = await execa(cli, ['workflow', 'show', '--address', h.temporal.address, '--workflow-id', execution.workflowId, '--run-id', execution.runId, '--output', 'json']);
    // The file name keeps the workflow id (replay needs it: child ids derive from it).
    // An earlier run of a workflow that continued as new is kept beside its latest run.
    const run = execution.status.name === 'CONTINUED_AS_NEW' ? `--run-${execution.runId}` : '';
    const file = path.join(folder, `${execution.type}--${encodeURIComponent(execution.workflowId)}${run}.json`);
    writeFileSync(file, `${stdout.trim()}\n`);
    count++;
  }
  console.log(`${count} histories written to ${path.relative(process.cwd(), folder)}/`);
} finally {
  await roles.stop();
  await h.stop();
}
