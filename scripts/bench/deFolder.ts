/**
 * The DE-folder benchmark (`npm run bench -- de-folder`, i.e. BENCH=de-folder; long, not part of the default
 * run): one DE frames folder of DE_FILES (default 10,000) small files through the whole pipeline on a real dev
 * server with the real workers and the watcher: time per stage and per file, the largest payload in the movie's
 * history beside what an inline part list would have weighed, and the worker process's RSS.
 */
import { readdirSync } from 'node:fs';
import { ensureMariaDb } from '../../src/mariadb.js';
import type { MovieStatus } from '../../src/movie.js';
import { movieWorkflowId, type MovieStage } from '../../src/operatorNames.js';
import { ensureTemporalCli } from '../../src/temporalDevServer.js';
import { ROLES, startRoles } from '../../workers/roles.js';
import { createHarness, historyPayloadBytes, TEST_MARIADB, waitForStage } from '../../test/helpers/harness.js';

const files = Number(process.env.DE_FILES ?? 10_000);
const FRAME_BYTES = 256;

await ensureTemporalCli();
await ensureMariaDb(TEST_MARIADB);
const h = await createHarness('bench_de_folder', { expiry: { after: '1s' } });
const roles = await startRoles(h.config, { roles: ROLES });
try {
  console.log(`DE folder of ${files.toLocaleString('en')} files of ${FRAME_BYTES} B through the pipeline (real dev server, workers, watcher):`);
  const writing = performance.now();
  const movie = await h.microscope.acquire({ bytes: files * FRAME_BYTES, format: 'de', deFrames: files - 1 });
  console.log(`  camera wrote the folder in ${((performance.now() - writing) / 1000).toFixed(1)} s (${readdirSync(movie.cameraFile).length} files)`);
  const handle = h.client.workflow.getHandle(movieWorkflowId(h.config.cameras[0]!.host, movie.framesName));
  const done: MovieStatus = await waitForStage(handle, ['expired', 'parked'], 6 * 3600_000);
  if (done.stage !== 'expired') throw new Error(`the movie parked: ${done.detail}`);
  const order: MovieStage[] = ['copying', 'resolving', 'placing', 'freeing-camera', 'archiving', 'archived', 'expiring', 'expired'];
  const at = (stage: MovieStage) => Date.parse(done.stageTimes[stage] ?? '');
  console.log('  stage             s      ms per file');
  for (const [i, stage] of order.slice(0, -1).entries()) {
    const seconds = (at(order[i + 1]!) - at(stage)) / 1000;
    if (Number.isFinite(seconds)) console.log(`  ${stage.padEnd(16)} ${seconds.toFixed(1).padStart(6)} ${((seconds * 1000) / files).toFixed(2).padStart(10)}`);
  }
  const { largest, total } = historyPayloadBytes(await handle.fetchHistory());
  // What copyFromCamera's result weighed when every part travelled inline (about 362 B of JSON per part).
  const inline = files * 362;
  console.log(`  largest payload in the history ${largest} B, all payloads ${(total / 1024).toFixed(0)} KiB (inline part lists: about ${(inline / 1024 ** 2).toFixed(1)} MiB each, Temporal's limit 2 MiB)`);
  console.log(`  process RSS (workers, watcher, this script) ${(process.memoryUsage().rss / 1024 ** 2).toFixed(0)} MiB`);
} finally {
  await roles.stop();
  await h.stop();
}
