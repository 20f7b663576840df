/**
 * The camera watcher: polls one camera share (no inotify over SMB/NFS; src/cameraScan.ts keeps each poll's cost
 * to what changed), waits until each movie is complete, and starts one ingestMovie workflow per movie. Duplicate
 * sightings (re-scans, watcher restarts) map to the same workflow id, which Temporal refuses to start twice.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { CameraShareScanner, type CompleteEntry } from '../src/cameraScan.js';
import { durationMs, type CameraConfig, type Config } from '../src/config.js';
import { ingestRequest } from '../src/ingestRequest.js';
import { logger as rootLogger } from '../src/logger.js';
import { isMounted, unmountedBecause } from '../src/mounts.js';
import { INGEST_WORKFLOW_TYPE } from '../src/operatorNames.js';

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
  const scanner = new CameraShareScanner(camera.root, durationMs(config.watcher.stableFor), (name, reason) =>
    logger.debug({ name, reason }, 'ignoring camera entry'),
  );
  let handedOver = 0;

  async function handOver({ name, isFolder }: CompleteEntry) {
    const request = ingestRequest(config, camera, name, isFolder);
    if (!request) return;
    try {
      await client.workflow.start(INGEST_WORKFLOW_TYPE, request);
      logger.info({ workflowId: request.workflowId, entry: name }, 'movie complete on camera; ingestMovie started');
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      logger.debug({ workflowId: request.workflowId, entry: name }, 'movie already known to Temporal; nothing started');
    }
    scanner.handOver(name);
    handedOver++;
  }

  let shareDown = false;
  /** Whether the share is mounted, by its marker file; logs each change, not each poll. */
  async function shareMounted(): Promise<boolean> {
    const mounted = await isMounted(camera);
    if (mounted === shareDown) {
      shareDown = !mounted;
      if (shareDown) logger.error({ root: camera.root, why: unmountedBecause(camera) }, 'camera share is not mounted: taking nothing from it until it is back');
      else {
        logger.info({ root: camera.root }, 'camera share is mounted again; scanning it afresh');
        scanner.rescan();
      }
    }
    return mounted;
  }

  /** The poll in progress: a slow one (a big share) is never overlapped by the next tick. */
  let polling: Promise<void> | undefined;
  /** One poll: look at what changed, then hand over each entry quiet long enough (a DE folder: all its files). */
  const pollOnce = async () => {
    try {
      if (!(await shareMounted())) return;
      const now = Date.now();
      await scanner.poll(now);
      for (const entry of scanner.complete(now)) {
        await handOver(entry).catch((error) => logger.error({ err: error, entry: entry.name }, 'could not start ingestMovie; will try again'));
      }
    } catch (error) {
      logger.error({ err: error, root: camera.root }, 'camera share poll failed; polling again');
    }
  };
  const poll = async () => {
    polling ??= pollOnce().finally(() => (polling = undefined));
    await polling;
  };
  await poll();
  const timer = setInterval(() => void poll(), pollMs);
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
      await polling;
    },
  };
}
