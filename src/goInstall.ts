/**
 * Pinned Go programs the project runs (the Temporal CLI, the Temporal server and its schema tool), built once with
 * `go install` into a cache outside the repo, so a new machine needs only Go and its module proxy.
 */
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** `~/.cache/cryo-buffer/<name>` (or under $XDG_CACHE_HOME): outside the repo, kept between runs. */
export function projectCacheDir(name: string): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(cacheRoot, 'cryo-buffer', name);
}

export async function onPath(command: string): Promise<string | undefined> {
  const result = await execa('sh', ['-c', `command -v ${command}`], { reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

export async function goCommand(): Promise<string> {
  const go = (await onPath('go')) ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error('no Go toolchain to build the pinned Temporal programs; install Go, or set TEMPORAL_ADDRESS to a running cluster');
  return go;
}

/** Paths of `binaries` in `cacheDir`, running `go install` for `modules` first if any is missing (minutes). */
export async function ensureGoBinaries(cacheDir: string, modules: string[], binaries: string[], what: string, log: (line: string) => void): Promise<string[]> {
  const paths = binaries.map((binary) => path.join(cacheDir, binary));
  if (paths.every((p) => existsSync(p))) return paths;
  const go = await goCommand();
  mkdirSync(cacheDir, { recursive: true });
  log(`Building ${what} into ${cacheDir} (first run only; takes several minutes)...`);
  const started = Date.now();
  const build = execa(go, ['install', '-v', ...modules], { env: { GOBIN: cacheDir, GOFLAGS: '-mod=mod' }, all: true, buffer: false });
  let packages = 0;
  build.all?.on('data', (chunk: Buffer) => {
    packages += chunk.toString().split('\n').filter(Boolean).length;
    process.stdout.write(`\r  go install: ${packages} packages, ${Math.round((Date.now() - started) / 1000)} s   `);
  });
  await build;
  process.stdout.write('\n');
  log(`${what} built in ${Math.round((Date.now() - started) / 1000)} s.`);
  return paths;
}
