/**
 * The camera-share scan benchmark: what one watcher poll costs on a share of 100,000 and 1,000,000 entries, and
 * on a DE folder of 100,000 files still being written, side by side with a poll that stats every entry (what a
 * poller per file, as chokidar's polling mode keeps, amounts to). CPU time, wall time, and the scanner's memory
 * (heap after a full GC, and the process's RSS) with every entry handed over.
 *
 * BENCH_SCAN_SIZES (default 100000,1000000), BENCH_DIR (default var/bench).
 */
import { linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CameraShareScanner } from '../../src/cameraScan.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(process.env.BENCH_DIR ?? path.join(root, 'var', 'bench'), 'scan');
const sizes = (process.env.BENCH_SCAN_SIZES ?? '100000,1000000').split(',').map(Number);
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

async function measure(work: () => Promise<unknown>): Promise<{ cpuMs: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - start };
}

/** A poll that stats every entry of the share, every time. */
async function statEverything(share: string): Promise<void> {
  let batch: Promise<unknown>[] = [];
  for await (const dirent of await opendir(share, { bufferSize: 256 })) {
    batch.push(lstat(path.join(share, dirent.name)));
    if (batch.length === 32) {
      await Promise.all(batch);
      batch = [];
    }
  }
  await Promise.all(batch);
}

const row = (label: string, m: { cpuMs: number; wallMs: number }, baseline?: { cpuMs: number }) =>
  console.log(
    `  ${label.padEnd(46)} ${m.cpuMs.toFixed(1).padStart(9)} ms CPU ${m.wallMs.toFixed(1).padStart(9)} ms wall${baseline ? `   ${(baseline.cpuMs / Math.max(m.cpuMs, 0.01)).toFixed(0)}x less CPU than stat-every-entry` : ''}`,
  );

console.log(`camera share scan: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}, ${dir}`);
for (const size of sizes) {
  const share = path.join(dir, `share-${size}`);
  rmSync(share, { recursive: true, force: true });
  mkdirSync(share, { recursive: true });
  console.log(`\n${size.toLocaleString('en')} movies on the share, all handed over (a backlog the camera has not freed):`);
  // Hard links of a few files (ext4 allows 65,000 per file): a million entries without a million inodes.
  for (let i = 0; i < size; i++) {
    const name = path.join(share, `20261202_${String(i).padStart(7, '0')}.tif`);
    if (i % 60_000 === 0) writeFileSync(name, 'x');
    else linkSync(path.join(share, `20261202_${String(i - (i % 60_000)).padStart(7, '0')}.tif`), name);
  }
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const scanner = new CameraShareScanner(share, 1);
  const first = await measure(() => scanner.poll(0));
  await scanner.poll(10);
  for (const entry of scanner.complete(10)) scanner.handOver(entry.name);
  await scanner.poll(20);
  gc();
  const heap = process.memoryUsage().heapUsed - heapBefore;
  const everything = await measure(() => statEverything(share));
  row('stat every entry (a poller per file)', everything);
  row('first poll (lists and stats every entry)', first);
  row('quiet poll (nothing changed)', await measure(() => scanner.poll(30)), everything);
  writeFileSync(path.join(share, '20261202_new.tif'), 'x');
  row('poll after one new movie (lists, stats one)', await measure(() => scanner.poll(40)), everything);
  console.log(`  scanner memory: ${mib(heap)} of heap (${(heap / size).toFixed(0)} B per entry), process RSS ${mib(process.memoryUsage().rss)}`);
  rmSync(share, { recursive: true, force: true });
}

const deFiles = 100_000;
const share = path.join(dir, 'share-de');
rmSync(share, { recursive: true, force: true });
const folder = path.join(share, '20261202_0000001');
mkdirSync(folder, { recursive: true });
for (let i = 0; i < deFiles; i++) writeFileSync(path.join(folder, `frames_${String(i).padStart(6, '0')}.mrc`), 'x');
console.log(`\na DE folder of ${deFiles.toLocaleString('en')} files still being written (stat-ed each poll until it is quiet):`);
const scanner = new CameraShareScanner(share, 1);
await scanner.poll(0);
row('poll of the waiting folder', await measure(() => scanner.poll(10)));
gc();
console.log(`  no state per file: one entry in the tracker (${scanner.tracker.size}); the poll's listing is garbage once it returns`);
rmSync(share, { recursive: true, force: true });
