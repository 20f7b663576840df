/**
 * The demo and the tests run RELION's CPU motion correction, which Debian ships in its `relion` package. They
 * install it when it is missing (as root, with apt-get); production hosts install their engines themselves.
 */
import { execa } from 'execa';
import { findExecutable } from './executables.js';

export const RELION_MOTIONCORR = 'relion_run_motioncorr';

export async function ensureRelionInstalled(): Promise<string> {
  const found = await findExecutable(RELION_MOTIONCORR);
  if (found) return found;
  const canInstall = process.getuid?.() === 0 && (await findExecutable('apt-get'));
  if (!canInstall) {
    throw new Error(`${RELION_MOTIONCORR} is not installed: run \`apt-get install relion\` (Debian/Ubuntu) as root, then try again`);
  }
  console.log("Installing Debian's relion package (RELION's CPU motion correction; first run only)...");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await execa('apt-get', ['update'], { env, stdio: 'ignore' });
  await execa('apt-get', ['install', '-y', '--no-install-recommends', 'relion'], { env, stdio: 'ignore' });
  const installed = await findExecutable(RELION_MOTIONCORR);
  if (!installed) throw new Error(`installed Debian's relion package but ${RELION_MOTIONCORR} is still not on PATH`);
  return installed;
}
