/**
 * A whole simulated facility on one machine, for the demo and the tests: folders standing in for the camera
 * share, the buffer disk and GPFS; a leginondb with one microscope and session; and the configuration that
 * ties them together (validated by the same schema production uses).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../config.js';
import { openLeginonDb, type Db } from '../leginondb.js';
import { createDatabase } from '../mariadb.js';
import type { LeginonEra } from './leginonSchema.js';
import { createLeginonTables, nextSessionName, SimulatedMicroscope } from './microscope.js';

export interface FacilityOptions {
  /** Everything (folders, config file) is created under this folder. */
  baseDir: string;
  /** mysql:// URL of the simulated leginondb; the database is created if missing. */
  leginondbUrl: string;
  /** Drop the database first (tests want a clean one). */
  freshDatabase?: boolean;
  cameraHost?: string;
  bufferHost?: string;
  /** Leginon session name; default: the next free one for today (25nov25a, 25nov25b, ...). */
  sessionName?: string;
  /** CUDA ids of the buffer host's GPUs. */
  gpus?: number[];
  /** The leginondb shape (default current; `pre-2022` as a 2017-2021 database has it). */
  leginonEra?: LeginonEra;
  /** Config sections to override (durations for tests, temporal address). */
  overrides?: Record<string, unknown>;
}

export interface SimulatedFacility {
  config: Config;
  configFile: string;
  dirs: { camera: string; buffer: string; archive: string };
  db: Db;
  microscope: SimulatedMicroscope;
  sessionName: string;
  /** Where the session's frames end up on the buffer and in the archive (Leginon's rules). */
  sessionDirs: { buffer: string; archive: string };
}

/** The mount markers of the simulated camera share and GPFS (config keys cameras[].markerFile, archive.markerFile). */
export const CAMERA_MARKER = '.share-mounted';
export const ARCHIVE_MARKER = '.gpfs-mounted';

export async function prepareSimulatedFacility(options: FacilityOptions): Promise<SimulatedFacility> {
  const cameraHost = options.cameraHost ?? 'sim-k3';
  const bufferHost = options.bufferHost ?? 'buffer1';
  const dirs = {
    camera: path.join(options.baseDir, 'camera', cameraHost),
    buffer: path.join(options.baseDir, 'buffer'),
    archive: path.join(options.baseDir, 'gpfs'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  await createDatabase(options.leginondbUrl, { dropFirst: options.freshDatabase });

  const overrides = options.overrides ?? {};
  const raw = {
    leginondb: { url: options.leginondbUrl },
    bufferHosts: [{ name: bufferHost, root: dirs.buffer, gpus: options.gpus ?? [] }],
    cameras: [{ host: cameraHost, root: dirs.camera, bufferHost, markerFile: CAMERA_MARKER }],
    ...overrides,
    archive: { target: 'gpfs', root: dirs.archive, markerFile: ARCHIVE_MARKER, ...(overrides.archive as object | undefined) },
    ...(overrides.preprocess ? { preprocess: { outputRoot: path.join(options.baseDir, 'preprocess'), ...(overrides.preprocess as object) } } : {}),
  };
  const config = parseConfig(raw, {}, 'simulated facility');
  // The folders stand in for mounts, so they carry the markers a mounted share and GPFS would.
  for (const { root, markerFile } of [...config.cameras, config.archive]) {
    if (!markerFile) continue;
    mkdirSync(path.dirname(path.join(root, markerFile)), { recursive: true });
    writeFileSync(path.join(root, markerFile), 'mounted\n');
  }
  const configFile = path.join(options.baseDir, 'config.json');
  writeFileSync(configFile, `${JSON.stringify(raw, null, 2)}\n`);

  const db = openLeginonDb(options.leginondbUrl);
  await createLeginonTables(db, options.leginonEra);
  const sessionName = options.sessionName ?? (await nextSessionName(db));
  // Leginon's layout: images under .../leginon/<user>/<session>/rawdata, frames under .../frames/...
  const imagePath = path.join(dirs.archive, 'leginon', 'demo', sessionName, 'rawdata');
  const bufferBasePath = path.join(dirs.buffer, 'frames');
  const microscope = await SimulatedMicroscope.setUp(db, {
    cameraHost,
    cameraRoot: dirs.camera,
    session: { name: sessionName, imagePath },
    bufferHost: { hostname: bufferHost, basePath: bufferBasePath },
    era: options.leginonEra,
  });
  return {
    config,
    configFile,
    dirs,
    db,
    microscope,
    sessionName,
    sessionDirs: {
      buffer: path.join(bufferBasePath, 'demo', sessionName, 'rawdata'),
      archive: path.join(dirs.archive, 'frames', 'demo', sessionName, 'rawdata'),
    },
  };
}
