/**
 * CTFFIND 4.1.14 for the demo and the tests, built by the project into its cache. Debian packages CTFFIND
 * (`ctffind`, Debian 13 and later), but that build hangs at 100% CPU once its defocus search is done, and segfaults
 * with `--fast`: three functions of 4.1.14's ctffind.cpp can reach their end without a `return` (g++ warns
 * -Wreturn-type), which is undefined behaviour that today's compilers turn into falling through into the next
 * function. So the project takes Debian's copy of the upstream source (the same tarball, checksum pinned, fetched
 * with apt's own client from a private sources list), adds the three returns the callers expect, and builds it
 * with Debian 12's compiler and libraries. A facility's own `ctffind` runs the same way through the engine wrapper.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { findExecutable } from './executables.js';
import { projectCacheDir } from './goInstall.js';

export const CTFFIND_VERSION = '4.1.14';
const SOURCE_PACKAGE = `ctffind=${CTFFIND_VERSION}-3`;
const SOURCE_TARBALL = `ctffind_${CTFFIND_VERSION}.orig.tar.gz`;
const SOURCE_SHA256 = '5f3eee53267fd1897cc1748d2154f7352452e881bcffd07d049d39a3c3b373b5';
/** Debian 12 packages the build needs (the compiler, wxWidgets' base library, FFTW, libtiff, libjpeg). */
const BUILD_PACKAGES = ['g++', 'make', 'libwxgtk3.2-dev', 'libfftw3-dev', 'libtiff-dev', 'libjpeg-dev'];
const SOURCES_LIST = 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main\n';

/** The functions that fall off their end, and what the callers expect back (they test `>= 0` and `== false`). */
const MISSING_RETURNS: [signature: string, value: string][] = [
  ['bool ComputeRotationalAverageOfPowerSpectrum(', 'true'],
  ['bool RescaleSpectrumAndRotationalAverage(', 'true'],
  ['int ReturnSpectrumBinNumber(', 'chosen_bin'],
];

export class SourceFixError extends Error {}

/** ctffind.cpp with `return <value>;` before the closing brace of each function in MISSING_RETURNS (definitions only). */
export function addMissingReturns(source: string): string {
  let fixed = source;
  for (const [signature, value] of MISSING_RETURNS) {
    const start = definitionStart(fixed, signature);
    let depth = 0;
    let end = fixed.indexOf('{', start);
    for (; end < fixed.length; end++) {
      if (fixed[end] === '{') depth++;
      else if (fixed[end] === '}' && --depth === 0) break;
    }
    if (depth !== 0) throw new SourceFixError(`the body of ${signature.trim()}...) does not close`);
    const body = fixed.slice(start, end);
    if (body.trimEnd().endsWith(`return ${value};`)) continue;
    fixed = `${fixed.slice(0, end)}\treturn ${value};\n${fixed.slice(end)}`;
  }
  return fixed;
}

function definitionStart(source: string, signature: string): number {
  for (let at = source.indexOf(`\n${signature}`); at >= 0; at = source.indexOf(`\n${signature}`, at + 1)) {
    const brace = source.indexOf('{', at);
    // A declaration ends in ';' before any body opens.
    if (brace >= 0 && !source.slice(at, brace).includes(';')) return at + 1;
  }
  throw new SourceFixError(`ctffind.cpp has no definition of ${signature.trim()}...): not the ${CTFFIND_VERSION} source`);
}

/** The `ctffind` program the demo and the tests run; built on first use (about a minute on 2 cores). */
export async function ensureCtffindInstalled(log: (line: string) => void = console.log): Promise<string> {
  const home = projectCacheDir(`ctffind-${CTFFIND_VERSION}`);
  const program = path.join(home, 'bin', 'ctffind');
  if (existsSync(program)) return program;
  const aptGet = await findExecutable('apt-get');
  if (process.getuid?.() !== 0 || !aptGet) {
    throw new Error(`CTFFIND ${CTFFIND_VERSION} is not built yet and this is not a root shell with apt-get: run the tests once as root, or set preprocess.ctf.executable to your ctffind`);
  }
  const started = Date.now();
  log(`Building CTFFIND ${CTFFIND_VERSION} into ${home} (first run only, about a minute):`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`  installing Debian's build packages: ${BUILD_PACKAGES.join(' ')}`);
  await execa('apt-get', ['update'], { env, stdio: 'ignore' });
  await execa('apt-get', ['install', '-y', '--no-install-recommends', ...BUILD_PACKAGES], { env, stdio: 'ignore' });

  const work = path.join(home, `build-${process.pid}`);
  await rm(work, { recursive: true, force: true });
  const tarball = await fetchSource(home, work, log);
  await execa('tar', ['xzf', tarball, '-C', work]);
  const tree = path.join(work, `ctffind-${CTFFIND_VERSION}`);
  const main = path.join(tree, 'src', 'programs', 'ctffind', 'ctffind.cpp');
  await writeFile(main, addMissingReturns(await readFile(main, 'utf8')));
  log('  configure && make (the three missing returns added)');
  // Generic x86-64 code: the cache may move to another CPU; MKL is not in Debian.
  await execa('./configure', ['--disable-latest-instruction-set', '--disable-mkl'], { cwd: tree, stdio: 'ignore' });
  await execa('make', ['-j', '2'], { cwd: tree, stdio: 'ignore' });
  await mkdir(path.dirname(program), { recursive: true });
  await rename(path.join(tree, 'ctffind'), `${program}.${process.pid}`);
  await rename(`${program}.${process.pid}`, program);
  await rm(work, { recursive: true, force: true });
  log(`CTFFIND ${CTFFIND_VERSION} built in ${Math.round((Date.now() - started) / 1000)} s: ${program}`);
  return program;
}

/**
 * Debian's copy of the upstream tarball, fetched by apt's own client with the project's sources list and state
 * (the machine's apt configuration is left alone); apt checks it against the signed index, and so do we.
 */
async function fetchSource(home: string, work: string, log: (line: string) => void): Promise<string> {
  const apt = path.join(home, 'apt');
  for (const dir of ['lists/partial', 'cache/archives/partial']) await mkdir(path.join(apt, dir), { recursive: true });
  await mkdir(work, { recursive: true });
  await writeFile(path.join(apt, 'sources.list'), SOURCES_LIST);
  await writeFile(path.join(apt, 'status'), '');
  const options = [
    `Dir::Etc::SourceList=${path.join(apt, 'sources.list')}`,
    'Dir::Etc::SourceParts=/nonexistent',
    `Dir::State::Lists=${path.join(apt, 'lists')}`,
    `Dir::Cache=${path.join(apt, 'cache')}`,
    `Dir::State::status=${path.join(apt, 'status')}`,
    'Debug::NoLocking=1',
  ].flatMap((option) => ['-o', option]);
  log(`  fetching Debian's source of ${SOURCE_PACKAGE} (${SOURCES_LIST.trim()})`);
  await execa('apt-get', [...options, 'update'], { stdio: 'ignore' });
  // Only the upstream tarball is needed; mirrors that lack Debian's packaging files make apt exit non-zero.
  await execa('apt-get', [...options, 'source', '--download-only', SOURCE_PACKAGE], { cwd: work, stdio: 'ignore', reject: false });
  const tarball = path.join(work, SOURCE_TARBALL);
  if (!existsSync(tarball)) throw new Error(`apt-get source ${SOURCE_PACKAGE} fetched no ${SOURCE_TARBALL} (is deb.debian.org reachable?)`);
  const digest = createHash('sha256').update(await readFile(tarball)).digest('hex');
  if (digest !== SOURCE_SHA256) throw new Error(`${SOURCE_TARBALL} has SHA-256 ${digest}, expected ${SOURCE_SHA256}`);
  return tarball;
}
