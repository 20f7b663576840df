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
import { isMounted } from '../src/mounts.js';
import { classifyCameraEntry } from '../src/names.js';
import { INGEST_WORKFLOW_TYPE } from '../src/operatorNames.js';
import { StabilityTracker } from '../src/stability.js';

export interface CameraWatcher {
  /** Movies handed to Temporal by this watcher (started, or found already started). */
  readonly handedOver: number;
  /** The share's marker file is missing: it is treated as unmounted, not as empty. */
  readonly shareDown: boolean;
  close(): Promise<void>;
}

export async function startCameraWatcher(client: Client, config: Config, camera: CameraConfig): Promise<CameraWatcher> {
  const logger = rootLogger.child({ role: 'watcher', cameraHost: camera.host });
  const pollMs = durationMs(config.watcher.pollInterval);
  const tracker = new StabilityTracker(durationMs(config.watcher.stableFor));
  const ignoredLogged = new Set<string>();
  let handedOver = 0;

  /** The camera entry a path belongs to: a movie file at the top of the share, or the DE folder it lies in. */
  const entryOf = (file: string) => path.relative(camera.root, file).split(path.sep)[0]!;

  const isIgnored = (file: string, stats?: Stats) => {
    if (file === camera.root) return false;
    const relative = path.relative(camera.root, file).split(path.sep);
    // Inside a DE folder (the only folders not ignored): its regular, visible files.
    if (relative.length > 1) return relative.length > 2 || relative[1]!.startsWith('.') || Boolean(stats?.isDirectory());
    const name = relative[0]!;
    // chokidar asks once without stats: ignore only what is no movie whether it is a file or a folder.
    if (!stats) return classifyCameraEntry(name, false).kind === 'ignored' && classifyCameraEntry(name, true).kind === 'ignored';
    const entry = classifyCameraEntry(name, stats.isDirectory());
    if (entry.kind === 'ignored' && !ignoredLogged.has(file)) {
      ignoredLogged.add(file);
      logger.debug({ file, reason: entry.reason }, 'ignoring camera entry');
    }
    return entry.kind === 'ignored';
  };

  const track = (file: string, stats?: Stats) => {
    if (stats?.isFile()) tracker.observe(file, stats.size, stats.mtimeMs, Date.now());
  };
  function watchShare(): FSWatcher {
    return chokidar
      .watch(camera.root, {
        usePolling: true,
        interval: pollMs,
        binaryInterval: pollMs,
        depth: 1,
        alwaysStat: true,
        ignoreInitial: false,
        ignored: isIgnored,
      })
      .on('add', track)
      .on('change', track)
      .on('unlink', (file) => tracker.forget(file))
      .on('error', (error) => logger.error({ err: error }, 'camera share poll failed'));
  }
  let watcher = watchShare();

  async function handOver(entry: string, files: string[]) {
    const isFolder = files.some((f) => path.relative(camera.root, f) !== entry);
    const request = ingestRequest(config, camera, entry, isFolder);
    if (!request) return;
    try {
      await client.workflow.start(INGEST_WORKFLOW_TYPE, request);
      logger.info({ workflowId: request.workflowId, entry, files: files.length }, 'movie complete on camera; ingestMovie started');
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      logger.debug({ workflowId: request.workflowId, entry }, 'movie already known to Temporal; nothing started');
    }
    for (const file of files) tracker.handOver(file);
    handedOver++;
  }

  let shareDown = false;
  /** Whether the share is mounted, by its marker file; logs each change, not each poll. */
  async function shareMounted(): Promise<boolean> {
    const mounted = await isMounted(camera);
    if (mounted === shareDown) {
      shareDown = !mounted;
      if (shareDown) logger.error({ root: camera.root, marker: camera.markerFile }, 'camera share is not mounted (marker missing, or not a mount point): taking nothing from it until it is back');
      else {
        // A poller loses track of a folder that vanished and came back: look at the whole share afresh.
        logger.info({ root: camera.root }, 'camera share is mounted again; scanning it afresh');
        await watcher.close();
        watcher = watchShare();
      }
    }
    return mounted;
  }

  let sweeping = false;
  /** Hands over each entry whose files have all been quiet long enough (a DE folder: every file in it). */
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      if (!(await shareMounted())) return;
      const complete = new Set(tracker.complete(Date.now()));
      const entries = new Map<string, string[]>();
      for (const file of tracker.pending()) {
        const entry = entryOf(file);
        const files = entries.get(entry);
        if (files) files.push(file);
        else entries.set(entry, [file]);
      }
      for (const [entry, files] of entries) {
        if (!files.every((f) => complete.has(f))) continue;
        await handOver(entry, files).catch((error) => logger.error({ err: error, entry }, 'could not start ingestMovie; will try again'));
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
    get shareDown() {
      return shareDown;
    },
    async close() {
      clearInterval(timer);
      await watcher.close();
    },
  };
}
