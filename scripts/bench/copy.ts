/**
 * The copy benchmark: the copy-and-verify engine against `cp` on the same file, side by side in one run.
 * The engine does more than cp (hash while copying, fsync, full read-back and re-hash, no-clobber publish),
 * so it is compared with plain `cp` and with `cp` followed by an fsync of the copy (`sync FILE`).
 *
 * BENCH_FILE_GB (default 1), BENCH_ROUNDS (default 3), BENCH_DIR (default var/bench).
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { copyFile, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { copyVerified, fingerprintFile } from '../../src/copy.js';
import { SafeRoot } from '../../src/safeFs.js';
import { writeGrowingFile } from '../../src/simulator/microscope.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(process.env.BENCH_DIR ?? path.join(root, 'var', 'bench'));
const bytes = Math.round(Number(process.env.BENCH_FILE_GB ?? 1) * 1024 ** 3);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
mkdirSync(dir, { recursive: true });
const source = path.join(dir, 'movie.tif');
const target = path.join(dir, 'copy.tif');
const benchRoot = new SafeRoot(dir);

if (!existsSync(source) || statSync(source).size !== bytes) {
  console.log(`writing a ${(bytes / 1024 ** 3).toFixed(2)} GiB test movie to ${source} ...`);
  await writeGrowingFile(source, bytes, 0, 42);
}

/** Drops the page cache when allowed (root outside a container), so reads come from disk. */
async function dropCaches(): Promise<boolean> {
  const result = await execa('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { reject: false });
  return result.exitCode === 0;
}

/**
 * The road not taken, measured for comparison: the kernel copies (copy_file_range/sendfile) while the source is
 * hashed in parallel, then fsync and read-back. It reads the source twice, which over an uncached camera share
 * (SMB/NFS) halves the camera link's throughput, so the engine streams instead.
 */
async function kernelCopyWithParallelHash() {
  const [sourceHash] = await Promise.all([fingerprintFile(source), copyFile(source, target)]);
  const handle = await open(target, 'r+');
  const [copyHash] = await Promise.all([fingerprintFile(target), handle.sync()]);
  await handle.close();
  if (copyHash.hash !== sourceHash.hash) throw new Error('kernel copy differs from its source');
}

const contenders: Record<string, () => Promise<unknown>> = {
  cp: () => execa('cp', ['--reflink=never', source, target]),
  'cp + fsync': () => execa('sh', ['-c', 'cp --reflink=never "$0" "$1" && sync "$1"', source, target]),
  'copyVerified (hash + fsync + read-back)': () => copyVerified({ root: benchRoot, path: source }, { root: benchRoot, path: target }),
  'kernel copy + 2nd source read (not used)': kernelCopyWithParallelHash,
};

const seconds: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
let cold = false;
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(contenders)) {
    rmSync(target, { force: true });
    cold = await dropCaches();
    const started = process.hrtime.bigint();
    await run();
    seconds[name]!.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
}
rmSync(target, { force: true });

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mibPerS = (s: number) => bytes / 1024 ** 2 / s;
const cpMedian = median(seconds.cp!);
console.log(
  `\ncopy of ${(bytes / 1024 ** 3).toFixed(2)} GiB, median of ${rounds} rounds, page cache ${cold ? 'dropped before each run' : 'warm (cannot drop it here)'}`,
);
console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${dir}\n`);
const cpSyncMedian = median(seconds['cp + fsync']!);
console.log(`${'contender'.padEnd(42)}${'median s'.padStart(10)}${'MiB/s'.padStart(10)}${'vs cp'.padStart(8)}${'vs cp+fsync'.padStart(13)}`);
for (const [name, values] of Object.entries(seconds)) {
  const s = median(values);
  console.log(
    `${name.padEnd(42)}${s.toFixed(2).padStart(10)}${mibPerS(s).toFixed(0).padStart(10)}${(cpMedian / s).toFixed(2).padStart(7)}x${(cpSyncMedian / s).toFixed(2).padStart(12)}x`,
  );
}
