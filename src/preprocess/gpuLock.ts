/**
 * One job per GPU across every process on the host, not only inside one worker (a second preprocess worker
 * started by mistake, a restart while the old process still runs a job): a GPU is used only while its lock file
 * is held with flock(2), through util-linux's flock(1), which the kernel releases when the holder dies.
 */
import { lstatSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** The lock file of one GPU. */
export const gpuLockFile = (lockDir: string, gpu: number) => path.join(lockDir, `gpu${gpu}.lock`);

/**
 * Creates the lock folder if needed and refuses one that someone else could write (root opens files in it, and
 * flock(1) follows links).
 */
export function ensureGpuLockDir(lockDir: string): void {
  mkdirSync(lockDir, { recursive: true, mode: 0o755 });
  const info = lstatSync(lockDir);
  if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o022) !== 0) {
    throw new Error(`preprocess.gpuLockDir ${lockDir} must be a folder owned by this user that nobody else can write`);
  }
}

const LOCKED = 'locked';

/** Waits for the GPU's lock and holds it while `job` runs. */
export async function withGpuLock<T>(lockDir: string, gpu: number, job: () => Promise<T>): Promise<T> {
  // flock(1) takes the lock, then runs a shell that says so and waits on stdin: closing stdin (or dying) releases it.
  const holder = execa('flock', [gpuLockFile(lockDir, gpu), 'sh', '-c', `echo ${LOCKED}; exec cat >/dev/null`], {
    stdin: 'pipe',
    reject: false,
    buffer: false,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes(LOCKED) && resolve());
      void holder.then((result) => reject(new Error(`flock on GPU ${gpu} ended before it locked: ${result.shortMessage ?? result.exitCode}`)));
    });
    return await job();
  } finally {
    holder.stdin!.end();
    await holder;
  }
}
