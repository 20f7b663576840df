/**
 * A buffer host's pre-processing workers. GPU engines run on `preprocess-gpu@<host>` with one slot per
 * configured GPU; each job takes a free GPU from the host's pool, so no GPU ever runs two. CPU engines run on `preprocess-cpu@<host>` with `preprocess.cpuSlots` slots. Every configured engine's program is
 * found before any worker starts: a missing licensed tool is an error here, never a silent fallback later.
 */
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createPreprocessActivities, type PreprocessDeps } from '../activities/preprocess.js';
import { findExecutable } from '../src/executables.js';
import type { BufferDb } from '../src/bufferdb.js';
import type { BufferHostConfig, Config } from '../src/config.js';
import type { Db } from '../src/leginondb.js';
import { logger } from '../src/logger.js';
import { SafeRoot } from '../src/safeFs.js';
import { preprocessTaskQueue } from '../src/operatorNames.js';
import { GpuPool } from '../src/preprocess/gpuPool.js';
import { DEFAULT_EXECUTABLES, stepDevice } from '../src/preprocess/engines.js';
import { commonWorkerOptions } from './options.js';
import { ensureGpuLockDir } from '../src/preprocess/gpuLock.js';

/** Resolves each configured engine's program, or throws naming the config key and the program. */
export async function resolveEngineExecutables(config: Config): Promise<PreprocessDeps['executables']> {
  const executables: PreprocessDeps['executables'] = {};
  const { motionCorrection, ctf } = config.preprocess;
  // The CTF engine "motioncor3" reads what the motion step's MotionCor3 wrote: it has no program of its own.
  const steps = [
    ['motionCorrection', motionCorrection.engine, motionCorrection.executable],
    ['ctf', ctf.engine === 'motioncor3' ? 'none' : ctf.engine, ctf.executable],
  ] as const;
  for (const [key, engine, configured] of steps) {
    if (engine === 'none') continue;
    const program = configured ?? DEFAULT_EXECUTABLES[engine];
    const found = await findExecutable(program);
    if (!found) {
      throw new Error(
        `preprocess.${key}.engine is "${engine}" but its program "${program}" is not ${program.includes('/') ? 'an executable file' : 'on PATH'} on this host: ` +
          `install it (README, "Pre-processing engines") or set preprocess.${key}.executable`,
      );
    }
    executables[engine] = found;
  }
  return executables;
}

export async function createPreprocessWorkers(
  connection: NativeConnection,
  config: Config,
  bufferHost: BufferHostConfig,
  dbs: { leginonDb: Db; bufferDb: BufferDb },
  executables: PreprocessDeps['executables'],
): Promise<Worker[]> {
  await new SafeRoot(config.preprocess.outputRoot!).ensureExists();
  const devices = new Set([stepDevice('motion', config.preprocess.motionCorrection.engine), stepDevice('ctf', config.preprocess.ctf.engine)]);
  // The gain sentinel runs on a CPU slot whatever the engines are.
  if (config.preprocess.gainCheck.firstMovies > 0) devices.add('cpu');
  const deps = (gpus?: GpuPool): PreprocessDeps => ({
    config,
    bufferHost,
    ...dbs,
    executables,
    gpus,
    logger: logger.child({ role: 'preprocess', bufferHost: bufferHost.name }),
  });
  const worker = (device: 'gpu' | 'cpu', gpus: GpuPool | undefined, slots: number) =>
    Worker.create({
      ...commonWorkerOptions(connection, config),
      taskQueue: preprocessTaskQueue(device, bufferHost.name),
      activities: createPreprocessActivities(deps(gpus)),
      maxConcurrentActivityTaskExecutions: slots,
    });
  const workers: Worker[] = [];
  // One slot per GPU: the pool hands each running job a GPU of its own.
  if (devices.has('gpu')) {
    ensureGpuLockDir(config.preprocess.gpuLockDir);
    workers.push(await worker('gpu', new GpuPool(bufferHost.gpus, config.preprocess.gpuLockDir), bufferHost.gpus.length));
  }
  if (devices.has('cpu')) workers.push(await worker('cpu', undefined, config.preprocess.cpuSlots));
  return workers;
}
