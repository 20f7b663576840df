/** A second microscope (camera sim-k3b) with its own buffer host (buffer2) beside a harness's first one. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type Config } from '../../src/config.js';
import { CAMERA_MARKER } from '../../src/simulator/facility.js';
import { SimulatedMicroscope } from '../../src/simulator/microscope.js';
import type { Harness } from './harness.js';

export interface TwoMicroscopes {
  config: Config;
  /** The same configuration as a file, for worker processes. */
  configFile: string;
  microscope: SimulatedMicroscope;
  dirs: { buffer: string; camera: string };
}

/** `h`: a harness, or any facility with a folder of its own. */
export async function addSecondMicroscope(h: Pick<Harness, 'dir' | 'config' | 'db' | 'dirs'>, { gpus = [] as number[] } = {}): Promise<TwoMicroscopes> {
  const dirs = { buffer: path.join(h.dir, 'buffer2'), camera: path.join(h.dir, 'camera', 'sim-k3b') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  const raw = JSON.parse(JSON.stringify(h.config));
  raw.bufferHosts.push({ name: 'buffer2', root: dirs.buffer, gpus });
  raw.cameras.push({ host: 'sim-k3b', root: dirs.camera, bufferHost: 'buffer2', markerFile: CAMERA_MARKER });
  writeFileSync(path.join(dirs.camera, CAMERA_MARKER), 'mounted\n');
  const configFile = path.join(h.dir, 'two-microscopes.json');
  writeFileSync(configFile, JSON.stringify(raw, null, 2));
  const microscope = await SimulatedMicroscope.setUp(h.db, {
    cameraHost: 'sim-k3b',
    cameraRoot: dirs.camera,
    session: { name: '25nov25b', imagePath: path.join(h.dirs.archive, 'leginon', 'demo', '25nov25b', 'rawdata') },
    bufferHost: { hostname: 'buffer2', basePath: path.join(dirs.buffer, 'frames') },
  });
  return { config: parseConfig(raw, {}), configFile, microscope, dirs };
}
