/**
 * One health probe of an archive target, as its archive worker sees it: the mount marker is there, a probe file
 * can be written, synced and read back, there is free space, and all of it answers in time. Never writes to a
 * target whose marker is missing (an unmounted mount point looks writable).
 */
import { randomBytes } from 'node:crypto';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { isMounted, unmountedBecause, type MountProof } from './mounts.js';
import { SafeRoot } from './safeFs.js';
import type { ProbeResult } from './storageHealth.js';
import { formatBytes } from './units.js';

export const PROBE_FOLDER = '.cryo-buffer-health';

export interface ProbeTarget extends MountProof {
  /** Names the probe file, so buffer hosts probing one target never collide. */
  bufferHost: string;
  timeoutMs: number;
  minFreeBytes: number;
}

async function probeOnce(target: ProbeTarget): Promise<{ problem?: string; freeBytes?: number }> {
  if (!(await isMounted(target))) {
    return { problem: `not mounted: ${unmountedBecause(target)}${target.markerFile ? '' : ' (no archive.markerFile configured)'}` };
  }
  const root = new SafeRoot(target.root);
  const folder = path.join(target.root, PROBE_FOLDER);
  await root.ensureFolder(folder);
  const file = path.join(folder, `${target.bufferHost}.probe`);
  const content = randomBytes(4096);
  await root.replaceFile(file, content);
  if (!(await root.readBytes(file)).equals(content)) {
    return { problem: `a probe file written to ${folder} read back different` };
  }
  const fs = await statfs(target.root);
  const freeBytes = fs.bavail * fs.bsize;
  if (freeBytes < target.minFreeBytes) {
    return { problem: `full: ${formatBytes(freeBytes)} free, below archive.health.minFreeGiB`, freeBytes };
  }
  return { freeBytes };
}

export async function probeStorage(target: ProbeTarget, now = () => new Date()): Promise<ProbeResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<{ problem: string }>((resolve) => {
    timer = setTimeout(() => resolve({ problem: `no answer within ${target.timeoutMs / 1000} s (hung storage?)` }), target.timeoutMs);
  });
  const outcome = await Promise.race([
    probeOnce(target).catch((error: NodeJS.ErrnoException) => ({ problem: `${error.code ?? 'error'}: ${error.message}` })),
    timedOut,
  ]);
  clearTimeout(timer);
  return { at: now().toISOString(), ok: !('problem' in outcome && outcome.problem), responseMs: Date.now() - started, ...outcome };
}
