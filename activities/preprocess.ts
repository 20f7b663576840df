/**
 * Activities of a buffer host's pre-processing queues (`preprocess-gpu@<host>`, `preprocess-cpu@<host>`): motion
 * correction and CTF estimation of one movie. Thin: commands are built and outputs parsed by src/preprocess/;
 * here the program runs, its outputs are found, and the outcome is stored in the project's results table.
 * On the GPU queue each job takes a GPU from the host's pool for as long as it runs, so its `-Gpu`/`--gid` is a
 * GPU no other job holds.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { gainChecksBefore, recordStep, type BufferDb, type StepRecord } from '../src/bufferdb.js';
import type { BufferHostConfig, Config } from '../src/config.js';
import { confineTo } from '../src/paths.js';
import { SafeRoot } from '../src/safeFs.js';
import { findImagingRows, findMovieReferences, type Db } from '../src/leginondb.js';
import { runGainSentinel } from '../src/preprocess/gainSentinel.js';
import type { Logger } from '../src/logger.js';
import { CtffindConversation, CtffindConversationError, ctffindAnswers, CtfOutputError, parseCtffindAvrot, parseCtffindResults, type CtfJob, type CtfSettings } from '../src/preprocess/ctffind4.js';
import { defectFileText, frameSizeOfFile, readDefectPlanText } from '../src/preprocess/defects.js';
import { stepDevice, type CtfEngine, type MotionEngine } from '../src/preprocess/engines.js';
import type { GpuPool } from '../src/preprocess/gpuPool.js';
import { buildGctfArgs, parseGctfLog } from '../src/preprocess/gctf.js';
import { deriveImagingParameters, ImagingParameterError, type ImagingParameters } from '../src/preprocess/imaging.js';
import type { CtfHeadline, GainCheckHeadline, MotionHeadline, PreprocessJob } from '../src/preprocess/job.js';
import { buildMotionCor2Args, eerFractionFile, motionCor2Sum, MotionLogError, parseMotionCor2Log, type MotionCorrectionJob } from '../src/preprocess/motioncor2.js';
import { buildMotionCor3Args, motionCor3CtfFile, motionCor3ShiftLogs, parseMotionCor3Ctf, parseMotionCor3Outputs } from '../src/preprocess/motioncor3.js';
import { buildRelionMotionArgs, parseRelionMicrographList, parseRelionMotionStar, RELION_MICROGRAPH_LIST, RelionStarError } from '../src/preprocess/relion.js';
import { astigmatism, type CtfResult, type MotionResult } from '../src/preprocess/results.js';
import { heartbeatWhile } from './progress.js';
import { runTool } from './tool.js';

export interface PreprocessDeps {
  config: Config;
  bufferHost: BufferHostConfig;
  leginonDb: Db;
  bufferDb: BufferDb;
  /** Full paths of the configured engines' programs, resolved at worker start. */
  executables: Partial<Record<MotionEngine | CtfEngine, string>>;
  /** The host's GPUs, on the GPU queue's worker; undefined on the CPU queue. */
  gpus?: GpuPool;
  logger: Logger;
}

/** `withCtf`: MotionCor3 fits the CTF too (the run's CTF engine is "motioncor3"). */
export type MotionCorrectInput = PreprocessJob & { engine: MotionEngine; withCtf?: boolean };
export type EstimateCtfInput = PreprocessJob & { engine: CtfEngine; micrograph: string };

/** One step's work, given its output folder, the movie's imaging parameters and (GPU engines) its GPU. */
type StepBody<T> = (context: { outputDir: string; imaging: ImagingParameters; gpu?: number }) => Promise<{
  result: MotionResult | CtfResult;
  outputs: Record<string, string>;
  parameters: Record<string, unknown>;
  headline: T;
}>;

/** A step and the engine that runs it. */
type StepOf = { step: 'motion'; engine: MotionEngine } | { step: 'ctf'; engine: CtfEngine };

/** Problems that another attempt cannot fix: fail the step at once. */
const FINAL_ERRORS = [ImagingParameterError, CtfOutputError, CtffindConversationError, MotionLogError, RelionStarError];

export function createPreprocessActivities(deps: PreprocessDeps) {
  const { config } = deps;
  const outputRoot = new SafeRoot(config.preprocess.outputRoot!);
  const bufferRoot = new SafeRoot(deps.bufferHost.root);
  const archiveRoot = new SafeRoot(config.archive.root);
  const logIn = (file: string) => ({ root: outputRoot, path: file });

  /** Runs a GPU engine's job on a GPU of its own; a CPU engine's job runs as it is. */
  function onDevice<T>(record: StepOf, job: (gpu?: number) => Promise<T>): Promise<T> {
    if (stepDevice(record.step, record.engine) !== 'gpu') return job();
    if (!deps.gpus) throw ApplicationFailure.nonRetryable(`${record.engine} needs a GPU, but this job reached a CPU worker`, 'MisroutedJob');
    // Waiting for the GPU's host-wide lock (another process's job) is no sign of a dead worker.
    return heartbeatWhile(deps.gpus.run(job));
  }

  function executable(engine: MotionEngine | CtfEngine): string {
    const program = deps.executables[engine];
    if (!program) throw ApplicationFailure.nonRetryable(`this worker has no program for engine "${engine}" (not configured here)`, 'EngineNotConfigured');
    return program;
  }

  /** The run's output folder (inside preprocess.outputRoot) and the movie's imaging parameters from leginondb. */
  async function prepare(job: PreprocessJob): Promise<{ outputDir: string; imaging: ImagingParameters }> {
    const outputDir = confineTo(outputRoot.root, path.join(outputRoot.root, job.session, job.imageFilename, `run-${job.run}`));
    await outputRoot.ensureFolder(outputDir);
    const rows = await findImagingRows(deps.leginonDb, job.imageId);
    if (!rows) throw new ImagingParameterError(`AcquisitionImageData ${job.imageId} is not in leginondb`);
    return { outputDir, imaging: deriveImagingParameters(rows) };
  }

  /** Runs one step, stores its outcome (success or failure) and maps final errors to non-retryable failures. */
  async function step<T>(
    job: PreprocessJob,
    record: StepOf,
    body: StepBody<T>,
  ): Promise<T> {
    return onDevice(record, (gpu) => recordedStep(job, record, gpu, body));
  }

  async function recordedStep<T>(
    job: PreprocessJob,
    record: Pick<StepRecord, 'step' | 'engine'>,
    gpu: number | undefined,
    body: StepBody<T>,
  ): Promise<T> {
    const startedAt = new Date();
    const base = { ...record, workflowId: job.movieWorkflowId, run: job.run, session: job.session, imageFilename: job.imageFilename, bufferHost: job.bufferHost, gpu, startedAt };
    try {
      const done = await body({ ...(await prepare(job)), gpu });
      await recordStep(deps.bufferDb, { ...base, finishedAt: new Date(), parameters: done.parameters, outputs: done.outputs, result: done.result });
      return done.headline;
    } catch (error) {
      const message = (error as Error).message;
      const attempt = Context.current().info.attempt;
      await recordStep(deps.bufferDb, { ...base, finishedAt: new Date(), parameters: {}, outputs: {}, error: `${message} (attempt ${attempt})` }).catch((dbError) =>
        deps.logger.error({ err: dbError }, 'could not record a failed pre-processing step'),
      );
      if (FINAL_ERRORS.some((kind) => error instanceof kind)) throw ApplicationFailure.nonRetryable(message, (error as Error).name);
      throw error;
    }
  }

  /** The first of these files the program wrote (a program that reported success must have written one). */
  async function requireFile(files: string[], what: string): Promise<string> {
    for (const file of files) {
      if (await stat(file).then(() => true, () => false)) return file;
    }
    throw new MotionLogError(`${what} reported success but wrote ${files.length === 1 ? `no ${files[0]}` : `none of ${files.join(', ') || 'its logs'}`}`);
  }

  const seconds = (since: number) => Number(((Date.now() - since) / 1000).toFixed(2));

  /**
   * The movie's corrector plan as the engines' defect file, beside the outputs. A plan that cannot be applied
   * (unreadable, empty, or not fitting the frames) is left out with the reason: no defect filling is better than
   * filling the wrong pixels.
   */
  async function writeDefectFile(input: MotionCorrectInput, outputDir: string): Promise<{ file?: string; note: string }> {
    const plan = path.basename(input.defectPlanPath!);
    try {
      const defects = readDefectPlanText(await readFile(input.defectPlanPath!, 'utf8'));
      const { text, rectangles } = defectFileText(defects, await frameSizeOfFile(input.moviePath, input.format));
      if (rectangles === 0) return { note: `${plan} lists no defects` };
      const file = path.join(outputDir, `${input.imageFilename}_defects.txt`);
      await outputRoot.replaceFile(file, text);
      return { file, note: `${rectangles} defect(s) of ${plan} filled` };
    } catch (error) {
      const note = `${plan} not applied: ${(error as Error).message}`;
      deps.logger.warn({ workflowId: input.movieWorkflowId, plan: input.defectPlanPath }, note);
      return { note };
    }
  }

  return {
    async motionCorrect(input: MotionCorrectInput): Promise<MotionHeadline> {
      return step(input, { step: 'motion', engine: input.engine }, async ({ outputDir, imaging, gpu }) => {
        const settings = config.preprocess.motionCorrection;
        const job: MotionCorrectionJob = {
          moviePath: input.moviePath,
          format: input.format,
          outputDir,
          outputStem: input.imageFilename,
          imaging,
          gainPath: input.gainPath,
          darkPath: input.darkPath,
        };
        const defects = input.defectPlanPath ? await writeDefectFile(input, outputDir) : undefined;
        job.defectFile = defects?.file;
        const started = Date.now();
        let result: MotionResult;
        let sum: string;
        let argv: string[];
        const outputs: Record<string, string> = {};
        if (input.engine === 'motioncor2') {
          if (job.format === 'eer' && imaging.frames && imaging.dosePerFrame !== undefined) {
            job.eerFractionFile = path.join(outputDir, `${input.imageFilename}_fractions.txt`);
            await outputRoot.replaceFile(job.eerFractionFile, eerFractionFile(imaging.frames, settings.eerGrouping, imaging.dosePerFrame));
          }
          argv = buildMotionCor2Args(job, settings, gpu!);
          outputs.log = path.join(outputDir, `${input.imageFilename}_motioncor2.log`);
          result = parseMotionCor2Log(await runTool({ executable: executable('motioncor2'), args: argv, logFile: logIn(outputs.log) }));
          sum = motionCor2Sum(job);
        } else if (input.engine === 'motioncor3') {
          argv = buildMotionCor3Args(job, settings, gpu!, input.withCtf ? config.preprocess.ctf : undefined);
          outputs.log = path.join(outputDir, `${input.imageFilename}_motioncor3.log`);
          const stdout = await runTool({ executable: executable('motioncor3'), args: argv, logFile: logIn(outputs.log) });
          outputs.shifts = await requireFile(motionCor3ShiftLogs(job), 'MotionCor3');
          result = parseMotionCor3Outputs(await readFile(outputs.shifts, 'utf8'), stdout);
          sum = motionCor2Sum(job);
        } else if (input.engine === 'relion') {
          const relion = buildRelionMotionArgs(job, { ...settings, bfactor: settings.bfactor[0] });
          argv = relion.args;
          outputs.log = path.join(outputDir, `${input.imageFilename}_relion_motioncorr.log`);
          await runTool({ executable: executable('relion'), args: argv, cwd: relion.cwd, logFile: logIn(outputs.log) });
          const list = path.join(outputDir, RELION_MICROGRAPH_LIST);
          await requireFile([list], 'relion_run_motioncorr');
          const listed = parseRelionMicrographList(await readFile(list, 'utf8'));
          const files = { sum: path.resolve(relion.cwd, listed.sum), star: path.resolve(relion.cwd, listed.star) };
          result = parseRelionMotionStar(await readFile(files.star, 'utf8'), files.sum);
          outputs.star = files.star;
          // With dose weighting RELION also saves the plain sum, which is what CTF estimation wants.
          sum = imaging.dosePerFrame !== undefined ? files.sum.replace(/\.mrc$/, '_noDW.mrc') : files.sum;
        } else {
          throw ApplicationFailure.nonRetryable(`motion-correction engine "${input.engine}" cannot run`, 'EngineNotConfigured');
        }
        await requireFile([sum], input.engine);
        outputs.sum = sum;
        return {
          result,
          outputs,
          parameters: { imaging, argv },
          headline: {
            engine: input.engine,
            version: result.version,
            gpu,
            frames: result.shifts.length,
            totalDrift: result.totalDrift,
            seconds: seconds(started),
            sum,
            outputDir,
            defects: defects?.note,
          },
        };
      });
    },

    /**
     * The gain sentinel, for the first movies of each session: the raw frame sum against the gain reference as
     * Leginon saved it, in all 8 orientations. Undefined once the session has had its checks (or without a gain).
     */
    async checkGainReference(input: PreprocessJob): Promise<GainCheckHeadline | undefined> {
      const settings = config.preprocess.gainCheck;
      if (!input.gainPath || settings.firstMovies === 0) return undefined;
      if ((await gainChecksBefore(deps.bufferDb, input.session, input.movieWorkflowId)) >= settings.firstMovies) return undefined;
      const references = await findMovieReferences(deps.leginonDb, 'AcquisitionImageData', input.imageId);
      if (!references) throw ApplicationFailure.nonRetryable(`AcquisitionImageData ${input.imageId} is not in leginondb`, 'ImageNotFound');
      const headline = await runGainSentinel(
        { ...input, gainPath: input.gainPath, orientation: { flip: references.flip, rotate: references.rotate }, frames: settings.frames },
        { buffer: bufferRoot, archive: archiveRoot, bufferDb: deps.bufferDb },
        (work) => heartbeatWhile(work),
      );
      if (headline.problem) deps.logger.warn({ workflowId: input.movieWorkflowId, session: input.session }, `gain check of ${input.imageFilename}: ${headline.verdict}`);
      return headline;
    },

    async estimateCtf(input: EstimateCtfInput): Promise<CtfHeadline> {
      return step(input, { step: 'ctf', engine: input.engine }, async ({ outputDir, imaging, gpu }) => {
        const settings: CtfSettings = config.preprocess.ctf;
        const stem = path.join(outputDir, `${input.imageFilename}_${input.engine}`);
        const job: CtfJob = { micrograph: input.micrograph, diagnostic: `${stem}.mrc`, imaging };
        const started = Date.now();
        let result: CtfResult;
        let argv: string[];
        const outputs: Record<string, string> = { log: `${stem}.log` };
        if (input.engine === 'ctffind4') {
          const conversation = new CtffindConversation(ctffindAnswers(job, settings));
          argv = [];
          await runTool({
            executable: executable('ctffind4'),
            args: argv,
            logFile: logIn(outputs.log!),
            onStdout: (chunk, answer) => conversation.feed(chunk).forEach(answer),
          });
          Object.assign(outputs, { results: `${stem}.txt`, avrot: `${stem}_avrot.txt`, diagnostic: job.diagnostic });
          result = parseCtffindResults(await readOutput(outputs.results!, 'CTFFIND'));
          parseCtffindAvrot(await readOutput(outputs.avrot!, 'CTFFIND'));
        } else if (input.engine === 'motioncor3') {
          argv = [];
          outputs.results = motionCor3CtfFile(input.micrograph);
          result = parseMotionCor3Ctf(await readOutput(outputs.results, 'MotionCor3 (CTF engine "motioncor3" needs motion correction by motioncor3)'));
        } else if (input.engine === 'gctf') {
          argv = buildGctfArgs(job, settings, gpu!);
          result = parseGctfLog(await runTool({ executable: executable('gctf'), args: argv, logFile: logIn(outputs.log!) }));
        } else {
          throw ApplicationFailure.nonRetryable(`CTF engine "${input.engine}" cannot run`, 'EngineNotConfigured');
        }
        return {
          result,
          outputs,
          parameters: { imaging, settings, argv },
          headline: {
            engine: input.engine,
            version: result.version,
            gpu,
            defocus1: result.defocus1,
            defocus2: result.defocus2,
            astigmatism: astigmatism(result),
            resolution: Number.isFinite(result.fitResolution) ? result.fitResolution : null,
            crossCorrelation: result.crossCorrelation,
            seconds: seconds(started),
          },
        };
      });
    },
  };
}

async function readOutput(file: string, program: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new CtfOutputError(`${program} finished without writing ${file}`);
  }
}

export type PreprocessActivities = ReturnType<typeof createPreprocessActivities>;
