/**
 * The camera watcher: polls one camera share (no inotify over SMB/NFS), waits until each movie is complete,
 * and starts one ingestMovie workflow per movie. Duplicate sightings (re-scans, watcher restarts) map to the
 * same workflow id, which Temporal refuses to start twice.
 */
import path from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import chokidar, { type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { durationMs, type CameraConfig, type Config } from '../src/config.js';
import { ingestRequest } from '../src/ingestRequest.js';
import { logger as rootLogger } from '../src/logger.js';
import { classifyCameraEntry } from '../src/names.js';
import { INGEST_WORKFLOW_TYPE } from '../src/operatorNames.js';
import { StabilityTracker } from '../src/stability.js';

export interface CameraWatcher {
  /** Movies handed to Temporal by this watcher (started, or found already started). */
  readonly handedOver: number;
  close(): Promise<void>;
}

export async function startCameraWatcher(client: Client, config: Config, camera: CameraConfig): Promise<CameraWatcher> {
  const logger = rootLogger.child({ role: 'watcher', cameraHost: camera.host });
  const pollMs = durationMs(config.watcher.pollInterval);
  const tracker = new StabilityTracker(durationMs(config.watcher.stableFor));
  const ignoredLogged = new Set<string>();
  let handedOver = 0;

  const isIgnored = (file: string, stats?: Stats) => {
    if (file === camera.root || stats?.isDirectory()) return file !== camera.root;
    const entry = classifyCameraEntry(path.basename(file));
    if (entry.kind === 'ignored' && stats && !ignoredLogged.has(file)) {
      ignoredLogged.add(file);
      logger.debug({ file, reason: entry.reason }, 'ignoring camera entry');
    }
    return entry.kind === 'ignored';
  };

  const watcher: FSWatcher = chokidar.watch(camera.root, {
    usePolling: true,
    interval: pollMs,
    binaryInterval: pollMs,
    depth: 0,
    alwaysStat: true,
    ignoreInitial: false,
    ignored: isIgnored,
  });
  const track = (file: string, stats?: Stats) => {
    if (stats?.isFile()) tracker.observe(file, stats.size, stats.mtimeMs, Date.now());
  };
  watcher.on('add', track).on('change', track).on('unlink', (file) => tracker.forget(file));
  watcher.on('error', (error) => logger.error({ err: error }, 'camera share poll failed'));

  async function handOver(file: string) {
    const request = ingestRequest(config, camera, path.relative(camera.root, file));
    if (!request) return;
    try {
      await client.workflow.start(INGEST_WORKFLOW_TYPE, request);
      logger.info({ workflowId: request.workflowId, file }, 'movie complete on camera; ingestMovie started');
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      logger.debug({ workflowId: request.workflowId, file }, 'movie already known to Temporal; nothing started');
    }
    tracker.handOver(file);
    handedOver++;
  }

  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const file of tracker.complete(Date.now())) {
        await handOver(file).catch((error) => logger.error({ err: error, file }, 'could not start ingestMovie; will try again'));
      }
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), Math.min(pollMs, 1000));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  logger.info({ root: camera.root, pollMs }, 'watching camera share');

  return {
    get handedOver() {
      return handedOver;
    },
    async close() {
      clearInterval(timer);
      await watcher.close();
    },
  };
}
