/**
 * The demo and the tests use two programs Debian packages: RELION's CPU motion correction (`relion`) and, for the
 * dashboard's browser tests, Chromium. They install them when missing (as root, with apt-get); production hosts
 * install their engines themselves.
 */
import { execa } from 'execa';
import { findExecutable } from './executables.js';

export const RELION_MOTIONCORR = 'relion_run_motioncorr';

async function ensureDebianPackage(pkg: string, executable: string, what: string): Promise<string> {
  const found = await findExecutable(executable);
  if (found) return found;
  const canInstall = process.getuid?.() === 0 && (await findExecutable('apt-get'));
  if (!canInstall) {
    throw new Error(`${executable} is not installed: run \`apt-get install ${pkg}\` (Debian/Ubuntu) as root, then try again`);
  }
  console.log(`Installing Debian's ${pkg} package (${what}; first run only)...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update'], { env, stdio: 'ignore' });
  await execa('apt-get', ['install', '-y', '--no-install-recommends', pkg], { env, stdio: 'ignore' });
  const installed = await findExecutable(executable);
  if (!installed) throw new Error(`installed Debian's ${pkg} package but ${executable} is still not on PATH`);
  return installed;
}

export const ensureRelionInstalled = () => ensureDebianPackage('relion', RELION_MOTIONCORR, "RELION's CPU motion correction");
export const ensureChromiumInstalled = () => ensureDebianPackage('chromium', 'chromium', 'the browser the dashboard tests drive');
