/**
 * ingestMovie: one movie's life, camera -> buffer -> archive -> expiry. Deterministic orchestration only;
 * every file and database operation is an activity on the queue of the host that owns the files.
 */
import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  ParentClosePolicy,
  patched,
  proxyActivities,
  type RetryPolicy,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ArchiveActivities } from '../activities/archive.js';
import type { HoldActivities } from '../activities/holds.js';
import type { IoActivities, LeginonLookup } from '../activities/io.js';
import type { CopiedPart, HoldInfo, IngestMovieInput, MovieStatus, PlacedPart } from '../src/movie.js';
import { conflictedPaths, mainPart, manifestsOf, partCount, totalBytes, type Parts } from '../src/parts.js';
import { describeScope, type HoldRequest, type HoldScope } from '../src/holds.js';
import { movieFormat, type PreprocessStatus, type PreprocessSummary, type ReprocessRequest } from '../src/preprocess/job.js';
import { REFERENCES_FOLDER } from '../src/references.js';
import { DE_FOLDER_SUFFIX, escapeName, shellQuote } from '../src/names.js';
import { parkingReason } from './failures.js';
import { PATCHES } from './patches.js';
import { formatBytes } from '../src/units.js';
import { formatWait, movieCurrentDetails } from '../src/webUiText.js';
import { preprocessMovie } from './preprocessMovie.js';
import {
  archiveTaskQueue,
  expiryTaskQueue,
  FAILURE_TYPES,
  ioTaskQueue,
  lookupTaskQueue,
  preprocessWorkflowId,
  QUERIES,
  SEARCH_ATTRIBUTES,
  SIGNALS,
  type MovieStage,
} from '../src/operatorNames.js';

/** How long one attempt of an archive copy may take, waiting out a storage outage included: an outage of weeks. */
const ARCHIVE_COPY_LIMIT = '60d';

export const statusQuery = defineQuery<MovieStatus>(QUERIES.status);
export const holdArchiveSignal = defineSignal<[HoldRequest?]>(SIGNALS.holdArchive);
export const releaseArchiveSignal = defineSignal<[{ scope?: HoldScope }?]>(SIGNALS.releaseArchive);
export const retrySignal = defineSignal<[]>(SIGNALS.retry);
export const reprocessSignal = defineSignal<[ReprocessRequest?]>(SIGNALS.reprocess);
export const expireEarlySignal = defineSignal<[{ reason?: string; by?: string }?]>(SIGNALS.expireEarly);

export async function ingestMovie(input: IngestMovieInput): Promise<MovieStatus> {
  const { settings } = input;
  const status: MovieStatus = {
    stage: 'copying',
    cameraHost: input.cameraHost,
    bufferHost: input.bufferHost,
    archiveTarget: input.archiveTarget,
    camera: { fileName: input.fileName, framesName: input.framesName },
    lookups: 0,
    stageTimes: {},
    attempts: {},
    warnings: [],
  };
  let retryRequested = false;
  /**
   * The database time of this movie's last lookup, when it found no image with its frames name at all: the next
   * lookup reads only rows stamped since (src/leginonLookup.ts), a few instead of every image in the look-back.
   */
  let noImageSince: string | undefined;
  /** The camera parts where they went when they were set aside for want of a Leginon row. */
  let heldParts: Parts<CopiedPart> | undefined;
  /** The same, as movies set aside before part manifests recorded it: the held paths in part order. */
  let heldPaths: string[] | undefined;
  setHandler(statusQuery, () => status);
  /** Holds in force, by scope: one per scope, the newest reason wins. */
  const holds = new Map<HoldScope, HoldInfo>();
  function applyHolds(change: () => void) {
    change();
    status.holds = holds.size ? [...holds.values()] : undefined;
    status.hold = status.holds?.[0];
  }
  setHandler(holdArchiveSignal, (hold) => {
    const scope = hold?.scope ?? 'movie';
    const info: HoldInfo = { scope, reason: hold?.reason ?? 'held by operator', by: hold?.by ?? 'unknown', since: new Date().toISOString() };
    applyHolds(() => holds.set(scope, info));
  });
  setHandler(releaseArchiveSignal, (release) => {
    applyHolds(() => holds.delete(release?.scope ?? 'movie'));
  });
  setHandler(retrySignal, () => {
    retryRequested = true;
  });
  /** Set when the buffer needs the room: the expiry timer ends now (the archive copy is still re-verified first). */
  let expireEarly: { reason: string; by: string } | undefined;
  setHandler(expireEarlySignal, (request) => {
    expireEarly = { reason: request?.reason ?? 'buffer needs room', by: request?.by ?? 'unknown' };
  });
  const reprocessRequests: ReprocessRequest[] = [];
  setHandler(reprocessSignal, (request) => {
    reprocessRequests.push(request ?? {});
  });

  const retryForever: RetryPolicy = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: settings.retryMaximumIntervalMs ?? '1m' };
  const ioOptions: ActivityOptions = {
    taskQueue: ioTaskQueue(input.bufferHost),
    startToCloseTimeout: '12h',
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    retry: retryForever,
  };
  const archiveOptions: ActivityOptions = {
    taskQueue: archiveTaskQueue(input.archiveTarget, input.bufferHost),
    // A copy waits out an outage in its slot (activities/archive.ts waitForTarget): a shorter limit would send it
    // to the end of the queue mid-outage. The heartbeat timeout is what catches a copy that hangs.
    startToCloseTimeout: ARCHIVE_COPY_LIMIT,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    // Storage outages last days: never give up, but never try more than once per maximumInterval either.
    retry: {
      initialInterval: settings.archiveInitialIntervalMs,
      maximumInterval: settings.archiveMaximumIntervalMs,
      backoffCoefficient: 2,
    },
  };
  const io = proxyActivities<IoActivities>(ioOptions);
  const lookups = proxyActivities<IoActivities & HoldActivities>({ ...ioOptions, taskQueue: lookupTaskQueue(input.bufferHost) });
  /** The same activities, with the one line the Web UI shows on their events. */
  const ioSaying = (summary: string) => proxyActivities<IoActivities>({ ...ioOptions, summary });
  const archiveSaying = (summary: string) => proxyActivities<ArchiveActivities>({ ...archiveOptions, summary });
  const expiry = proxyActivities<IoActivities>({ ...ioOptions, taskQueue: expiryTaskQueue(input.bufferHost), summary: 'verify the archive copy again, then delete the buffer copy' });

  function enter(stage: MovieStage, detail?: string) {
    status.stage = stage;
    status.detail = detail;
    status.stageTimes[stage] = new Date().toISOString();
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.movieStage, value: stage }]);
    setCurrentDetails(movieCurrentDetails(status));
  }

  /** Parks the movie where an operator can see it; returns, back in the stage it left, once they signal retry. */
  async function park(detail: string, advice = `Nothing is lost; after fixing it: bufferctl retry ${shellQuote(workflowInfo().workflowId)} (signal ${SIGNALS.retry})`) {
    const resumeStage = status.stage;
    enter('parked', `${detail}. ${advice}`);
    retryRequested = false;
    await condition(() => retryRequested);
    enter(resumeStage);
  }

  /**
   * Runs a step whose failure (a refusal of an unsafe path or name, a permanent error, a worker lost mid-cancel)
   * will not go away by itself: park until an operator acts, then run it again. A movie never fails.
   */
  async function parkOnFailure<T>(step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        const reason = parkingReason(error);
        if (reason === undefined) throw error;
        await park(reason);
      }
    }
  }

  // No history recorded before this step has the setting, so those replay unchanged without a patch marker.
  const claimWaitedMs = settings.claimBeforeCopy ? await claimCameraMovie() : 0;
  if (claimWaitedMs === undefined) return status;
  enter('copying');
  const copied = await parkOnFailure(() =>
    ioSaying(`copy ${escapeName(input.fileName)} off ${input.cameraHost}`).copyFromCamera({ cameraHost: input.cameraHost, fileName: input.fileName, framesName: input.framesName, suffix: input.suffix }),
  );
  const main = mainPart(copied.parts);
  status.attempts.copyFromCamera = copied.attempt;
  status.camera = { ...status.camera, path: main.sourcePath, bytes: totalBytes(copied.parts), mtimeMs: main.identity.mtimeMs };
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.movieBytes, value: totalBytes(copied.parts) }]);
  status.fingerprint = { ...main.fingerprint, algorithm: copied.algorithm };
  status.partCount = partCount(copied.parts);
  // A list in a manifest stays there: the status query has the same payload limit as the history.
  status.parts = Array.isArray(copied.parts) ? copied.parts.map((p) => ({ targetSuffix: p.targetSuffix, ...p.fingerprint })) : undefined;
  status.buffer = { path: main.stagedPath };

  const found = await resolveLeginonName(claimWaitedMs);
  status.leginon = { session: found.session, imageClass: found.imageClass, imageId: found.imageId, filename: found.filename };
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.leginonSession, value: found.session }]);

  enter('placing');
  const placed = await parkOnFailure(() =>
    ioSaying(`place as ${escapeName(found.filename)} in session ${escapeName(found.session)}`).placeInSession({
      cameraHost: input.cameraHost,
      parts: copied.parts,
      bufferDir: found.bufferDir,
      bufferIsArchive: found.bufferIsArchive,
      filename: found.filename,
      owner: found.owner,
    }),
  );
  status.attempts.placeInSession = placed.attempt;
  status.buffer = { path: mainPath(placed.parts) };
  warnOfConflicts(placed.parts, 'a different file already had this name; stored as');
  // Movies started before this step left a DE folder's info.txt out of leginondb.
  if (input.suffix === DE_FOLDER_SUFFIX && patched(PATCHES.deInfo)) {
    const info = await parkOnFailure(() =>
      io.recordDeInfo({ imageClass: found.imageClass, imageId: found.imageId, parts: placed.parts, bufferIsArchive: found.bufferIsArchive }),
    );
    status.warnings.push(...info.warnings);
  }

  // Every class's movie gets its references line, as Leginon's copier writes; movies started before listed acquisitions only.
  const listsEveryClass = found.imageClass !== 'AcquisitionImageData' && patched(PATCHES.referencesForEveryClass);
  if (found.imageClass === 'AcquisitionImageData' || listsEveryClass) {
    const references = await parkOnFailure(() =>
      io.copyReferences({
        ...(listsEveryClass ? { imageClass: found.imageClass } : {}),
        imageId: found.imageId,
        bufferDir: found.bufferDir,
        bufferIsArchive: found.bufferIsArchive,
        movieName: `${found.filename}${input.suffix}`,
        owner: found.owner,
      }),
    );
    status.references = { norm: references.norm, dark: references.dark, defectPlan: references.defectPlan };
    status.warnings.push(...references.warnings);
  }
  if (found.imageClass === 'AcquisitionImageData') void preprocessLoop();

  // Parts set aside for want of a Leginon row are freed (or restored) from where they were put.
  const cameraParts: Parts<CopiedPart> =
    heldParts ?? (heldPaths && Array.isArray(copied.parts) ? copied.parts.map((p, i) => ({ ...p, sourcePath: heldPaths?.[i] ?? p.sourcePath })) : copied.parts);
  /** Every part list this movie's activities returned, for their manifests to be dropped when the movie ends. */
  const lists: Parts<unknown>[] = [copied.parts, placed.parts, cameraParts];
  let cameraFreed = false;
  if (settings.freeCameraAfter !== 'archived' || found.bufferIsArchive) await freeCameraFiles();

  if (found.bufferIsArchive) {
    // No enabled buffer host: the movie was placed straight into its archive folder; nothing to copy or expire.
    status.archive = { path: mainPath(placed.parts), sameAsBuffer: true };
    enter('archived', 'no enabled BufferHostData for this camera: the movie went straight to its frame path');
    await dropManifests();
    return status;
  }

  /** Archive copies the last expiry check found damaged: the next archive run sets them aside. */
  let damagedArchive: PlacedPart[] | undefined;
  /** When the buffer copy goes: set at the first archive; an archive copy made again at expiry does not move it. */
  let expiresAtMs: number | undefined;
  for (;;) {
    const archived = await archiveUnlessHeld(damagedArchive);
    lists.push(archived);
    if (!cameraFreed) await freeCameraFiles();
    enter('archived');
    if (expiresAtMs === undefined || !patched(PATCHES.expiryStaysPut)) expiresAtMs = Date.now() + settings.expiryAfterMs;
    status.expiresAt = new Date(expiresAtMs).toISOString();
    const untilExpiry = expiresAtMs - Date.now();
    if (untilExpiry > 0) await condition(() => expireEarly !== undefined, untilExpiry, { summary: `expiry in ${formatWait(untilExpiry)}` });
    if (expireEarly) status.warnings.push(`expired early: ${expireEarly.reason} (by ${expireEarly.by})`);
    // Movies asleep on their expiry timer are not signalled a session, host or fleet-wide hold: they ask now.
    if (patched(PATCHES.holdsBeforeExpiry)) await applyWiderHolds();
    await waitWhileHeld();
    enter('expiring');
    const expired = await parkOnFailure(() =>
      expiry.expireBufferCopy({ buffer: placed.parts, archive: archived }),
    );
    status.attempts.expireBufferCopy = expired.attempt;
    if (expired.deleted) {
      enter('expired');
      await dropManifests();
      return status;
    }
    // The archive copy is gone or wrong: archive again (the buffer copy is still here), then expire again.
    damagedArchive = expired.damaged && [expired.damaged];
    status.lastError = { stage: 'expiring', message: expired.detail ?? 'archive check failed', at: new Date().toISOString() };
    status.warnings.push(`${expired.detail}; archived again`);
  }

  /**
   * Pre-processing beside archiving: run 1 now, another for each reprocess signal, one at a time. Runs as child
   * workflows the movie never waits for; their outcome only updates status and search attributes.
   */
  async function preprocessLoop() {
    const preprocess = settings.preprocess;
    if (!preprocess) return;
    const format = movieFormat(input.suffix);
    const moviePath = mainPath(placed.parts);
    const folder = `${found.bufferDir}/${REFERENCES_FOLDER}`;
    let request: ReprocessRequest = {};
    for (let run = 1; ; run++) {
      const engines = { motion: request.motionEngine ?? preprocess.motionEngine, ctf: request.ctfEngine ?? preprocess.ctfEngine };
      const current: PreprocessStatus = { run, state: 'queued', engines, requestedBy: request.by, startedAt: new Date().toISOString() };
      status.preprocess = current;
      if (!format) {
        report(current, { run, state: 'skipped', error: 'DE frames folders are not pre-processed (no engine reads them)' });
      } else {
        try {
          const child = await startChild(preprocessMovie, {
            workflowId: preprocessWorkflowId(workflowInfo().workflowId, run),
            // The buffer copy it reads is deleted at expiry: a run still going then is cancelled with the movie. A
            // movie placed straight into its archive folder ends at once and is never deleted: its run goes on.
            parentClosePolicy: found.bufferIsArchive ? ParentClosePolicy.ABANDON : ParentClosePolicy.REQUEST_CANCEL,
            args: [
              {
                movieWorkflowId: workflowInfo().workflowId,
                run,
                bufferHost: input.bufferHost,
                session: found.session,
                imageId: found.imageId,
                imageFilename: found.filename,
                moviePath,
                format,
                gainPath: status.references?.norm && `${folder}/${status.references.norm}`,
                darkPath: status.references?.dark && `${folder}/${status.references.dark}`,
                defectPlanPath: status.references?.defectPlan && `${folder}/${status.references.defectPlan}`,
                motionEngine: engines.motion,
                ctfEngine: engines.ctf,
                timeoutMs: preprocess.timeoutMs,
                heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
              },
            ],
          });
          report(current, { run, state: 'running' });
          report(current, await child.result());
        } catch (error) {
          // Never the movie's problem: the run is marked failed and the movie goes on.
          report(current, { run, state: 'failed', error: `the pre-processing workflow failed: ${(error as Error).message}` });
        }
      }
      await condition(() => reprocessRequests.length > 0);
      request = reprocessRequests.shift()!;
    }
  }

  /**
   * Only movies whose part lists went to manifest files run this step, and no history recorded before manifests
   * has one: those histories replay unchanged (test/integration/replay.test.ts), so no patch marker is needed.
   */
  async function dropManifests() {
    const manifests = manifestsOf(lists);
    if (manifests.length) await parkOnFailure(() => io.dropPartManifests({ manifests }));
  }

  function warnOfConflicts(parts: Parts<PlacedPart & { conflict: number }>, stored: string) {
    const conflicts = conflictedPaths(parts);
    for (const path of conflicts.paths) status.warnings.push(`${stored} ${path}`);
    if (conflicts.count > conflicts.paths.length) status.warnings.push(`... and ${conflicts.count - conflicts.paths.length} more parts stored under conflict names`);
  }

  function report(current: PreprocessStatus, summary: PreprocessSummary) {
    Object.assign(current, summary);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.preprocessState, value: summary.state }]);
    if (summary.motion) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.totalDrift, value: summary.motion.totalDrift }]);
    if (summary.ctf?.resolution) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ctfResolution, value: summary.ctf.resolution }]);
  }

  /**
   * Asks, before anything is copied, whether the movie is this server's (src/routing.ts, destination head): waits
   * while Leginon has no image for it yet, up to the grace it would wait anyway. Returns how long it waited, or
   * undefined when the movie is another server's, which ends this workflow with the camera file untouched.
   */
  async function claimCameraMovie(): Promise<number | undefined> {
    let waitedMs = 0;
    for (;;) {
      const claim = await parkOnFailure(() =>
        lookups.claimCameraMovie({
          cameraHost: input.cameraHost,
          framesName: input.framesName,
          lookBackDays: settings.lookBackDays,
          ...(noImageSince ? { noImageSince } : {}),
        }),
      );
      if (claim.claim === 'ours') return waitedMs;
      if (claim.claim === 'not-ours') {
        enter('left-on-camera', `${claim.detail}: another server's movie, left on the camera untouched`);
        return undefined;
      }
      noImageSince = claim.noImageAt;
      if (waitedMs >= settings.leginonGraceMs) return waitedMs;
      if (status.stage !== 'resolving') enter('resolving', 'no Leginon image yet to tell whether this movie is ours (destination head); nothing is copied until one does');
      status.lookups++;
      await sleep(settings.leginonLookupIntervalMs, { summary: 'look for the Leginon image again' });
      waitedMs += settings.leginonLookupIntervalMs;
    }
  }

  async function resolveLeginonName(waitedBeforeCopy: number): Promise<Extract<LeginonLookup, { kind: 'found' }>> {
    enter('resolving');
    let waitedMs = waitedBeforeCopy;
    for (;;) {
      const lookup = await parkOnFailure(() =>
        lookups.resolveLeginonName({
          cameraHost: input.cameraHost,
          framesName: input.framesName,
          suffix: input.suffix,
          lookBackDays: settings.lookBackDays,
          ...(noImageSince ? { noImageSince } : {}),
        }),
      );
      status.lookups++;
      if (lookup.kind === 'found') return lookup;
      noImageSince = lookup.kind === 'not-found' ? lookup.noImageAt : undefined;
      if (lookup.kind === 'refused') {
        await park(`refused: ${lookup.detail}`);
      } else if (waitedMs >= settings.leginonGraceMs) {
        const setAside = status.camera.setAside ?? (await setAsideUnknownMovie());
        await park(`${lookup.detail}, after waiting ${Math.round(waitedMs / 1000)} s for the row; the camera file was ${setAside}`);
        waitedMs = 0;
        // The operator may have mended an older row (an UPDATE stamps CameraEMData, not the image): read it all again.
        noImageSince = undefined;
      } else {
        status.detail = `${lookup.detail}; looking again (Leginon may not have written it yet)`;
        await sleep(settings.leginonLookupIntervalMs, { summary: 'look for the Leginon image again' });
        waitedMs += settings.leginonLookupIntervalMs;
      }
    }
  }

  /** Clears an unrecorded camera movie off the watched folder (kept in a hidden folder, or in staging). */
  async function setAsideUnknownMovie(): Promise<string> {
    const setAside: Awaited<ReturnType<IoActivities['setAsideUnknownMovie']>> & { cameraPath?: string; cameraPaths?: string[] } = await parkOnFailure(() =>
      io.setAsideUnknownMovie({ cameraHost: input.cameraHost, parts: copied.parts }),
    );
    heldParts = setAside.parts;
    heldPaths = setAside.cameraPaths;
    status.camera.path = setAside.cameraPath ?? setAside.cameraPaths?.[0];
    status.camera.setAside = setAside.detail;
    return setAside.detail;
  }

  async function freeCameraFiles() {
    enter('freeing-camera');
    const freed = await parkOnFailure(() =>
      ioSaying(`verify the buffer copy again, then delete ${escapeName(input.fileName)} on ${input.cameraHost}`).freeCamera({ cameraHost: input.cameraHost, parts: cameraParts, placed: placed.parts }),
    );
    cameraFreed = true;
    status.attempts.freeCamera = freed.attempt;
    status.camera.freed = freed.freed;
    status.warnings.push(...freed.warnings);
  }

  /**
   * One archive run. A buffer copy found damaged is copied again from the camera while the camera still has the
   * file; after the camera was freed it is the only copy, so the movie parks with it kept as it is.
   */
  async function archiveOnce(request: Parameters<ArchiveActivities['archiveMovie']>[0]): Promise<Awaited<ReturnType<ArchiveActivities['archiveMovie']>>> {
    for (;;) {
      try {
        return await archiveSaying(`archive ${formatBytes(status.camera.bytes ?? 0)} to ${input.archiveTarget}`).archiveMovie(request);
      } catch (error) {
        if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === FAILURE_TYPES.bufferCopyDamaged)) throw error;
        const damage = error.cause.message;
        status.lastError = { stage: 'archiving', message: damage, at: new Date().toISOString() };
        if (cameraFreed) {
          await park(
            `${damage}; the camera file was freed after its verified copy, so no intact copy is known`,
            `The damaged copy is kept as it is: restore it (e.g. from a backup) and signal ${SIGNALS.retry}`,
          );
        } else {
          const restored = await parkOnFailure(() => io.restoreBufferCopy({ cameraHost: input.cameraHost, parts: cameraParts, placed: placed.parts }));
          status.warnings.push(`${damage}; copied again from the camera (${restored.restored.length} file(s))`);
        }
      }
    }
  }

  async function waitWhileHeld() {
    if (holds.size === 0) return;
    const resumeStage = status.stage;
    const hold = status.hold!;
    enter('archive-held', `held (${describeScope(hold.scope)}): ${hold.reason} (by ${hold.by} since ${hold.since})`);
    await condition(() => holds.size === 0);
    enter(resumeStage);
  }

  /** Holds placed on the session, the buffer host or everything (archiveHolds) apply to this movie too. */
  async function applyWiderHolds() {
    const wider = await parkOnFailure(() => lookups.activeHolds({ session: found.session, bufferHost: input.bufferHost }));
    applyHolds(() => wider.filter((hold) => !holds.has(hold.scope)).forEach((hold) => holds.set(hold.scope, hold)));
  }

  /** Archives, pausing whenever a hold is placed, even in the middle of a copy or a retry backoff. */
  async function archiveUnlessHeld(damaged?: PlacedPart[]): Promise<Parts<PlacedPart>> {
    await applyWiderHolds();
    for (;;) {
      await waitWhileHeld();
      enter('archiving');
      const scope = new CancellationScope();
      /**
       * Set once a hold cancels the copy: whatever the copy then ends with (its cancellation, a timeout of a
       * worker lost meanwhile, a worker's shutdown) was the hold's doing, even if the hold is already lifted.
       */
      let cancelledForHold = false;
      void scope.run(() => condition(() => holds.size > 0)).then(
        () => {
          cancelledForHold = true;
          scope.cancel();
        },
        () => undefined,
      );
      try {
        const archived = await scope.run(() =>
          archiveOnce({ buffer: placed.parts, bufferDir: found.bufferDir, archiveDir: found.archiveDir, filename: found.filename, damagedArchive: damaged }),
        );
        status.warnings.push(...archived.warnings.filter((w) => !status.warnings.includes(w)));
        status.attempts.archiveMovie = archived.attempt;
        status.archive = { path: mainPath(archived.parts), verifiedAt: new Date().toISOString() };
        warnOfConflicts(archived.parts, 'a different file already had this name in the archive; archived as');
        return archived.parts;
      } catch (error) {
        if (cancelledForHold) continue;
        const reason = parkingReason(error);
        if (reason === undefined) throw error;
        await park(reason);
      } finally {
        scope.cancel();
      }
    }
  }
}

function mainPath(parts: Parts<PlacedPart>): string {
  return mainPart(parts).path;
}
