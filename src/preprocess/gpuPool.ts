import { withGpuLock } from './gpuLock.js';

/**
 * The GPUs of one buffer host, handed out one job at a time. The host's GPU worker has exactly as many slots as
 * GPUs, so a job always finds one free; the pool decides which, and each GPU's host-wide lock (src/preprocess/gpuLock.ts)
 * guarantees no GPU ever runs two jobs, whichever process asks.
 */
export class GpuPool {
  private readonly free: number[];
  private readonly waiting: ((gpu: number) => void)[] = [];

  constructor(
    readonly ids: readonly number[],
    private readonly lockDir: string,
  ) {
    if (new Set(ids).size !== ids.length) throw new Error(`GPU ids listed twice: ${ids.join(', ')}`);
    this.free = [...ids];
  }

  /** The lowest free GPU id, once one is free. */
  acquire(): Promise<number> {
    this.free.sort((a, b) => a - b);
    const gpu = this.free.shift();
    if (gpu !== undefined) return Promise.resolve(gpu);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(gpu: number): void {
    if (!this.ids.includes(gpu) || this.free.includes(gpu)) throw new Error(`GPU ${gpu} released but not held`);
    const next = this.waiting.shift();
    if (next) next(gpu);
    else this.free.push(gpu);
  }

  async run<T>(job: (gpu: number) => Promise<T>): Promise<T> {
    const gpu = await this.acquire();
    try {
      return await withGpuLock(this.lockDir, gpu, () => job(gpu));
    } finally {
      this.release(gpu);
    }
  }
}
