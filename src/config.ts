/**
 * The one configuration schema. Every process (workers, watcher, bufferctl, demo) loads its config through
 * loadConfig(), so a bad key is reported the same way everywhere, naming the key.
 */
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { isInside } from './paths.js';
import { CTF_ENGINES, MOTION_ENGINES, stepDevice } from './preprocess/engines.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((text) => parseDuration(text) !== undefined, {
      message: 'expected a duration such as "250ms", "30s", "20m", "14d"',
    });

const absolutePath = z.string().refine((p) => path.isAbsolute(p), { message: 'expected an absolute path' });

/** A root everything below which the server may change: absolute, normalized, and never `/` itself. */
const rootPath = z.string().superRefine((p, ctx) => {
  const problem = !path.isAbsolute(p)
    ? 'expected an absolute path'
    : path.resolve(p) === '/'
      ? 'must not be / (everything would be inside it)'
      : path.resolve(p) !== p.replace(/\/+$/, '')
        ? 'expected a normalized path (no "..", "." or "//")'
        : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An octal mode that nobody but owner and group can write with. */
const safeMode = (fallback: string, example: string) =>
  z
    .string()
    .regex(/^0?[0-7]{3}$/, { message: `expected an octal mode such as "${example}"` })
    .refine((m) => (Number.parseInt(m, 8) & 0o002) === 0, { message: 'must not be world-writable (anyone on the host could plant links in it)' })
    .default(fallback);

/** Host and target names become task-queue names and path components: keep them plain. */
const plainName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
  message: 'expected letters, digits, ".", "_" or "-" (starting with a letter or digit)',
});

const positive = z.number().positive();

/** Engines, their settings and where their outputs go. Engine "none" turns a step off. */
const PreprocessSchema = z.strictObject({
  /** Outputs go to `<outputRoot>/<session>/<image filename>/run-<n>/`. */
  outputRoot: rootPath.optional(),
  /** Jobs of CPU engines (relion, ctffind4) this host runs at once. */
  cpuSlots: z.number().int().min(1).default(1),
  /** Where each GPU's lock file lives (one job per GPU across every process of the host); root-owned, not shared. */
  gpuLockDir: rootPath.default('/run/cryo-buffer'),
  /** A job that runs longer is presumed hung, killed and tried once more. */
  timeout: duration('30m'),
  /**
   * The gain sentinel: the first `firstMovies` movies of every session (0: off) have their raw sum of `frames`
   * frames held against the session's gain reference in all 8 orientations (on a CPU slot, after CTF).
   */
  gainCheck: z
    .strictObject({
      firstMovies: z.number().int().min(0).default(3),
      frames: z.number().int().min(1).default(20),
    })
    .prefault({}),
  motionCorrection: z
    .strictObject({
      engine: z.enum(MOTION_ENGINES).default('none'),
      /** The program; default: the engine's usual name on PATH (MotionCor2, relion_run_motioncorr). */
      executable: z.string().optional(),
      patches: z.tuple([z.number().int().min(1), z.number().int().min(1)]).default([5, 5]),
      iterations: z.number().int().min(1).default(7),
      tolerance: positive.default(0.5),
      /** MotionCor2's global and local B-factors; RELION uses the first. */
      bfactor: z.tuple([positive, positive]).default([500, 100]),
      throw: z.number().int().min(0).default(0),
      trunc: z.number().int().min(0).default(0),
      eerSampling: z.number().int().min(1).max(3).default(1),
      /** EER raw frames per rendered frame. */
      eerGrouping: z.number().int().min(1).default(40),
      /** RELION only: threads per movie. */
      threads: z.number().int().min(1).default(1),
      extraArgs: z.array(z.string()).default([]),
    })
    .prefault({}),
  ctf: z
    .strictObject({
      engine: z.enum(CTF_ENGINES).default('none'),
      executable: z.string().optional(),
      amplitudeContrast: z.number().min(0).max(1).default(0.1),
      boxSize: z.number().int().min(64).default(512),
      /** Å */
      minResolution: positive.default(30),
      maxResolution: positive.default(5),
      minDefocus: positive.default(5000),
      maxDefocus: positive.default(50000),
      defocusStep: positive.default(500),
      astigmatismTolerance: positive.default(100),
      /** Radians; set for phase-plate data. */
      phaseShift: z.strictObject({ min: z.number(), max: z.number(), step: positive }).optional(),
      /** CTFFIND5: fit the sample's tilt axis and angle (asked only without a phase-shift search). */
      sampleTilt: z.boolean().default(false),
      /** CTFFIND5: fit the sample's thickness from the CTF's nodes. */
      sampleThickness: z.boolean().default(false),
    })
    .prefault({}),
});

export const ConfigSchema = z
  .strictObject({
    temporal: z
      .strictObject({
        /** host:port of an existing cluster; unset means the embedded dev server below. */
        address: z.string().optional(),
        namespace: z.string().default('default'),
        /**
         * TLS to the cluster (a facility's own with mTLS, or Temporal Cloud): PEM files. `{}` alone means TLS with
         * the system's CAs; with clientCert and clientKey the workers authenticate themselves.
         */
        tls: z
          .strictObject({
            serverRootCACert: absolutePath.optional(),
            clientCert: absolutePath.optional(),
            clientKey: absolutePath.optional(),
            /** Overrides the name checked in the server's certificate. */
            serverName: z.string().optional(),
          })
          .refine((tls) => Boolean(tls.clientCert) === Boolean(tls.clientKey), { message: 'clientCert and clientKey go together' })
          .optional(),
        /** An API key (Temporal Cloud); implies TLS. */
        apiKey: z.string().optional(),
        devServer: z
          .strictObject({
            port: z.number().int().min(1).max(65535).default(7233),
            uiPort: z.number().int().min(1).max(65535).default(8233),
            /** Folder for the dev server's SQLite file; relative paths are relative to the project. */
            dataDir: z.string().default('var/temporal'),
            /** How long finished movies' histories stay visible (the dev server's default is 24 h). */
            retention: duration('30d'),
          })
          .prefault({}),
      })
      .prefault({}),
    leginondb: z.strictObject({
      /** mysql://user:password@host:port/database */
      url: z.string().regex(/^mysql:\/\//, { message: 'expected a mysql:// URL' }),
    }),
    bufferHosts: z
      .array(
        z.strictObject({
          name: plainName,
          /** Every file this host writes lies under this root; a path from the database outside it is refused. */
          root: rootPath,
          /** CUDA device ids of this host's GPUs; each runs one pre-processing job at a time. */
          gpus: z.array(z.number().int().min(0)).default([]),
        }),
      )
      .min(1),
    cameras: z
      .array(
        z.strictObject({
          /** InstrumentData.hostname of the camera computer. */
          host: plainName,
          /** Where the camera's share is mounted on the buffer host (SMB/NFS). */
          root: rootPath,
          bufferHost: plainName,
          /**
           * A file (relative to `root`) that exists only while the share is mounted: without it the share is down,
           * and nothing is taken from it or decided about it (an unmounted share looks empty).
           */
          markerFile: z.string().regex(/^[^/]+$/, { message: 'expected a file name in the share root' }).optional(),
          /** Without a marker the root must be a mount point; this trusts it anyway (unsafe: an unmounted share reads as empty). */
          assumeMounted: z.boolean().default(false),
          /**
           * When camera files are deleted: once their buffer copy is verified ('copied', the default: the camera
           * disk is small), or once the archive copy is too ('archived': a buffer copy found damaged before it
           * was archived is then copied again from the camera).
           */
          freeAfter: z.enum(['copied', 'archived']).default('copied'),
        }),
      )
      .min(1),
    archive: z.strictObject({
      target: plainName.default('primary'),
      /** Mount point of primary storage (GPFS); archive paths from the database must lie under it. */
      root: rootPath,
      /** Compress `.mrc` movies on their way to the archive (the buffer copy stays as it is): 'none' or 'gzip'. */
      compressMrc: z.enum(['none', 'gzip']).default('none'),
      /**
       * A file that exists only when the storage is mounted (relative to `root`, e.g. ".gpfs-mounted"): without
       * it the target counts as down, so an empty mount point is never written to.
       */
      markerFile: z.string().regex(/^[^/]+(\/[^/]+)*$/, { message: 'expected a path relative to archive.root' }).optional(),
      /** Without a marker the root must be a mount point; this trusts it anyway (unsafe: an unmounted GPFS reads as up). */
      assumeMounted: z.boolean().default(false),
      /**
       * Archive copies at once per buffer host: the rate a backlog drains at after an outage. Copies off the camera
       * have their own queue and slots, so a drain never holds up new movies.
       */
      concurrency: z.number().int().min(1).default(2),
      health: z
        .strictObject({
          /** How often each buffer host probes the target (write, fsync, read back, free space). */
          interval: duration('30s'),
          /** A probe slower than this counts as a failure: hung storage is down storage. */
          timeout: duration('20s'),
          /** Below this much free space the target counts as down (full). */
          minFreeGiB: z.number().min(0).default(0),
        })
        .prefault({}),
    }),
    watcher: z
      .strictObject({
        pollInterval: duration('5s'),
        /** A camera file counts as complete once its size and mtime have not changed for this long. */
        stableFor: duration('10s').refine((text) => (parseDuration(text) ?? 0) > 0, { message: 'must be longer than 0 (a file still being written would be taken)' }),
      })
      .prefault({}),
    leginon: z
      .strictObject({
        lookBackDays: z.number().positive().default(10),
        /** Only sessions whose frame path lies under this folder are this server's (rawtransfer's --destination_head). */
        destinationHead: absolutePath.optional(),
        /** How long a movie waits for its Leginon row before it is parked (rawtransfer's cleanup delay). */
        grace: duration('20m'),
        lookupInterval: duration('30s'),
        /**
         * A camera file still without a Leginon row after the grace period is moved into this hidden folder of
         * the camera share ('hold'), or deleted from the camera ('delete': its verified copy stays in the buffer's
         * staging folder). Either way the movie is parked for an operator.
         */
        unknownFiles: z.enum(['hold', 'delete']).default('hold'),
        holdingFolder: z
          .string()
          .regex(/^\.[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'expected a plain hidden folder name such as ".unknown-frames"' })
          .default('.unknown-frames'),
      })
      .prefault({}),
    ownership: z
      .strictObject({
        /** Give buffer and archive copies the session's owner (SessionData uid/gid, else the image path's owner); needs root. */
        chown: z.boolean().default(true),
        fileMode: safeMode('0640', '0640'),
        folderMode: safeMode('0750', '0750'),
      })
      .prefault({}),
    expiry: z
      .strictObject({
        /** How long the buffer keeps a movie after it was archived. */
        after: duration('14d'),
        /**
         * Each movie keeps its copy up to this much longer, fixed by its id (at most 5% of `after`): the movies
         * an outage's drain archived in one hour expire over this span, not in one burst 14 days later.
         */
        spread: duration('6h'),
        /** Expiries at once per buffer host (each re-reads its archive copy in full), beside the camera copies' slots. */
        concurrency: z.number().int().min(1).default(2),
      })
      .prefault({}),
    capacity: z
      .strictObject({
        /** Copy-off-camera waits (nothing written) unless this much would stay free on the buffer after the movie. */
        reserveGiB: z.number().min(0).default(5),
        /** Fractions of the buffer's size: above `highWatermark` the host warns (and may expire early) until under `lowWatermark`. */
        highWatermark: z.number().gt(0).max(1).default(0.9),
        lowWatermark: z.number().gt(0).max(1).default(0.8),
        /** Above the high watermark, expire already-archived movies early (oldest first); never an un-archived one. */
        expireEarly: z.boolean().default(false),
        /** How often each buffer host checks its usage. */
        checkInterval: duration('1m'),
      })
      .prefault({})
      .refine((c) => c.lowWatermark < c.highWatermark, { message: 'lowWatermark must be below highWatermark' }),
    archiveRetry: z
      .strictObject({
        initialInterval: duration('10s'),
        /** Backoff cap while storage is down: one attempt per movie per this interval, forever. */
        maximumInterval: duration('10m'),
      })
      .prefault({}),
    /** The project's own database (pre-processing results); never leginondb, whose schema Leginon owns. */
    bufferdb: z
      .strictObject({
        url: z.string().regex(/^mysql:\/\//, { message: 'expected a mysql:// URL' }),
      })
      .optional(),
    preprocess: PreprocessSchema.prefault({}),
    /** The operator dashboard (`npm run dashboard`; the demo starts it): overview, session plots, /metrics, alerts. */
    dashboard: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        /** 0 picks a free port (tests). */
        port: z.number().int().min(0).max(65_535).default(8234),
        /**
         * With a token, the page offers hold/release/reprocess to whoever presents it; without, it is read-only.
         * Prefer DASHBOARD_OPERATOR_TOKEN to keeping it in the file.
         */
        operatorToken: z.string().min(16, { message: 'use at least 16 characters' }).optional(),
        /** How often the figures are gathered (one set of Temporal queries, shared by every viewer). */
        refreshInterval: duration('5s'),
        /** Links each movie to its history there; default: the embedded dev server's UI when there is one. */
        temporalWebUi: z.url().optional(),
        /** Throughput is shown over this window, in buckets of this size. */
        throughputWindow: duration('6h'),
        throughputBucket: duration('30m'),
      })
      .prefault({}),
    /** Thresholds drawn on the session plots; the bad-CTF alert counts fits worse than maxCtfResolutionA. */
    quality: z
      .strictObject({
        maxCtfResolutionA: positive.default(6),
        maxTotalDriftPx: positive.default(40),
        maxAstigmatismA: positive.default(1000),
      })
      .prefault({}),
    /** Conditions the dashboard raises (log line at error level, `/api/alerts`, the `cryo_buffer_alert` metric, a webhook). */
    alerts: z
      .strictObject({
        /** POSTed `{event: "raised"|"cleared", alert}` as JSON. */
        webhookUrl: z.url().optional(),
        /** Alert when the buffer (or a camera share) would be full within this long at the current rate. */
        bufferFullWithin: duration('6h'),
        cameraFullWithin: duration('1h'),
        /** A camera that delivered a movie within activeSessionWindow but none for noMovieFor. */
        noMovieFor: duration('15m'),
        activeSessionWindow: duration('4h'),
        /** This many fits in a row worse than quality.maxCtfResolutionA (or failed). */
        badCtfRun: z.number().int().min(1).default(5),
        /** The oldest movie waiting for pre-processing has waited this long. */
        preprocessLag: duration('15m'),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        /** Where worker processes serve the Temporal SDK's Prometheus metrics (host:port); the dashboard's /metrics includes them. */
        workerBindAddress: z
          .string()
          .regex(/^[^:\s]+:\d+$/, { message: 'expected host:port, e.g. "127.0.0.1:9464"' })
          .optional(),
      })
      .prefault({}),
    activities: z
      .strictObject({
        /** A copy that reports no progress for this long is presumed dead (worker crash) and retried. */
        heartbeatTimeout: duration('60s'),
        /**
         * Cap on the backoff between retries of camera, buffer and leginondb steps (a dead database, a full disk):
         * once the fault is fixed, movies go on within this long.
         */
        maximumRetryInterval: duration('1m'),
        /**
         * A stopping worker (SIGTERM) lets running activities finish this long before it cancels them; keep it
         * below systemd's TimeoutStopSec (60 s in deploy/systemd), or the copies are killed instead.
         */
        shutdownGrace: duration('45s'),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const bufferHostNames = config.bufferHosts.map((h) => h.name);
    config.cameras.forEach((camera, index) => {
      if (!bufferHostNames.includes(camera.bufferHost)) {
        ctx.addIssue({
          code: 'custom',
          path: ['cameras', index, 'bufferHost'],
          message: `unknown buffer host "${camera.bufferHost}" (configured: ${bufferHostNames.join(', ')})`,
        });
      }
    });
    const seen = new Set<string>();
    config.cameras.forEach((camera, index) => {
      if (seen.has(camera.host)) {
        ctx.addIssue({ code: 'custom', path: ['cameras', index, 'host'], message: `camera "${camera.host}" listed twice` });
      }
      seen.add(camera.host);
    });
    const seenHosts = new Set<string>();
    config.bufferHosts.forEach((host, index) => {
      if (seenHosts.has(host.name)) ctx.addIssue({ code: 'custom', path: ['bufferHosts', index, 'name'], message: `buffer host "${host.name}" listed twice` });
      seenHosts.add(host.name);
    });
    for (const problem of overlappingRoots(configuredRoots(config))) ctx.addIssue({ code: 'custom', ...problem });
    const { motionCorrection, ctf } = config.preprocess;
    if (!preprocessingEnabled(config)) return;
    if (motionCorrection.engine === 'none') {
      ctx.addIssue({ code: 'custom', path: ['preprocess', 'ctf', 'engine'], message: 'CTF estimation runs on the motion-corrected sum: set preprocess.motionCorrection.engine too' });
    }
    if (!config.bufferdb) {
      ctx.addIssue({ code: 'custom', path: ['bufferdb'], message: 'pre-processing is on: its results need bufferdb.url' });
    }
    if (!config.preprocess.outputRoot) {
      ctx.addIssue({ code: 'custom', path: ['preprocess', 'outputRoot'], message: 'pre-processing is on: set the folder its outputs go to' });
    }
    if (ctf.engine === 'motioncor3' && motionCorrection.engine !== 'motioncor3') {
      ctx.addIssue({ code: 'custom', path: ['preprocess', 'ctf', 'engine'], message: `"motioncor3" is the CTF MotionCor3 estimates while it corrects motion: set preprocess.motionCorrection.engine to "motioncor3" too (it is "${motionCorrection.engine}")` });
    }
    for (const [key, step, engine] of [['motionCorrection', 'motion', motionCorrection.engine], ['ctf', 'ctf', ctf.engine]] as const) {
      if (stepDevice(step, engine) !== 'gpu') continue;
      config.bufferHosts.forEach((host, index) => {
        if (host.gpus.length === 0) {
          ctx.addIssue({ code: 'custom', path: ['bufferHosts', index, 'gpus'], message: `preprocess.${key}.engine "${engine}" needs a GPU: list this host's GPU ids` });
        }
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

interface ConfiguredRoot {
  key: (string | number)[];
  root: string;
}

/** Every root the server writes below, with its key. */
function configuredRoots(config: Pick<Config, 'bufferHosts' | 'cameras' | 'archive' | 'preprocess'>): ConfiguredRoot[] {
  return [
    ...config.bufferHosts.map((host, index) => ({ key: ['bufferHosts', index, 'root'], root: host.root })),
    ...config.cameras.map((camera, index) => ({ key: ['cameras', index, 'root'], root: camera.root })),
    { key: ['archive', 'root'], root: config.archive.root },
    ...(config.preprocess.outputRoot ? [{ key: ['preprocess', 'outputRoot'], root: config.preprocess.outputRoot }] : []),
  ];
}

/** A path with its symlinks resolved as far as it exists (a root not created yet is compared as written). */
function resolvedForComparison(root: string): string {
  let existing = root;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return root;
      rest.push(path.basename(existing));
      existing = parent;
    }
  }
}

/**
 * Roots that are the same folder or nested: the archive step would find "the same file already there" and
 * expiry delete the only copy; a watcher would take a buffer's session folders for camera movies. Compared after
 * resolving symlinks.
 */
export function overlappingRoots(roots: ConfiguredRoot[]): { path: (string | number)[]; message: string }[] {
  const resolved = roots.map((r) => ({ ...r, real: resolvedForComparison(r.root) }));
  const problems: { path: (string | number)[]; message: string }[] = [];
  const keyText = (key: (string | number)[]) => describeIssuePath(key);
  resolved.forEach((a, i) => {
    resolved.slice(0, i).forEach((b) => {
      const relation = a.real === b.real ? 'is the same folder as' : isInside(b.real, a.real) ? 'lies inside' : isInside(a.real, b.real) ? 'contains' : undefined;
      if (relation) problems.push({ path: a.key, message: `${a.root} ${relation} ${keyText(b.key)} (${b.root}); every root must be a folder of its own, not nested in another` });
    });
  });
  return problems;
}
export type CameraConfig = Config['cameras'][number];
export type BufferHostConfig = Config['bufferHosts'][number];

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables that override the file, so one file serves every host of a facility. */
export const ENV_OVERRIDES = {
  TEMPORAL_ADDRESS: ['temporal', 'address'],
  TEMPORAL_NAMESPACE: ['temporal', 'namespace'],
  TEMPORAL_API_KEY: ['temporal', 'apiKey'],
  LEGINONDB_URL: ['leginondb', 'url'],
  BUFFERDB_URL: ['bufferdb', 'url'],
  DASHBOARD_OPERATOR_TOKEN: ['dashboard', 'operatorToken'],
} as const;

function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const copy = structuredClone(raw ?? {}) as Record<string, Record<string, unknown>>;
  for (const [variable, [section, key]] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value) {
      copy[section] = { ...(copy[section] ?? {}), [key]: value };
    }
  }
  return copy;
}

function describeIssuePath(issuePath: PropertyKey[]): string {
  return issuePath.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
    '',
  );
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): Config {
  const result = ConfigSchema.safeParse(applyEnvOverrides(raw, env));
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => `${describeIssuePath(issue.path) || '(top level)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file as JSON: ${(error as Error).message}`]);
  }
  return parseConfig(raw, env, file);
}

/** For a process's entry point: a bad configuration prints what is wrong, key by key, and exits with status 2. */
export function loadConfigOrExit(file: string): Config {
  try {
    return loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

export function preprocessingEnabled(config: Config): boolean {
  return config.preprocess.motionCorrection.engine !== 'none' || config.preprocess.ctf.engine !== 'none';
}

export function durationMs(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`not a duration: ${text}`);
  return value;
}

export function bufferHostFor(config: Config, cameraHost: string): BufferHostConfig {
  const camera = cameraConfig(config, cameraHost);
  const host = config.bufferHosts.find((h) => h.name === camera.bufferHost);
  if (!host) throw new Error(`camera ${cameraHost}: buffer host ${camera.bufferHost} is not configured`);
  return host;
}

export function cameraConfig(config: Config, cameraHost: string): CameraConfig {
  const camera = config.cameras.find((c) => c.host === cameraHost);
  if (!camera) throw new Error(`camera host "${cameraHost}" is not in the configuration`);
  return camera;
}
