/**
 * The science benchmark: simulated K3 movies with a known truth (1024 x 1024 x 40 frames, defocus spread over
 * 0.8-3.0 µm, astigmatism up to 500 Å) through RELION's CPU motion correction and CTFFIND 4.1.14, both for real,
 * with the command lines and the dialogue the activities use. Prints each movie's truth, fit and error, then the
 * error summary and the wall time per movie of the simulator and of each engine.
 *
 * BENCH_MOVIES (default 10), BENCH_FRAME_SIZE (default 1024), BENCH_DIR (default var/bench).
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ensureCtffindInstalled } from '../../src/ctffindBuild.js';
import { ensureRelionInstalled } from '../../src/debianPackages.js';
import { CtffindConversation, ctffindAnswers, parseCtffindResults } from '../../src/preprocess/ctffind4.js';
import type { ImagingParameters } from '../../src/preprocess/imaging.js';
import { buildRelionMotionArgs, parseRelionMicrographList, parseRelionMotionStar, RELION_MICROGRAPH_LIST } from '../../src/preprocess/relion.js';
import { axisDifference, totalDrift } from '../../src/preprocess/results.js';
import { makeDriftMovie } from '../../src/simulator/driftMovie.js';
import { SIMULATED_OPTICS, SIMULATED_SPECIMEN_OPTICS } from '../../src/simulator/microscope.js';
import { encodeTiffStack, mirroredAxis } from '../../src/simulator/tiff.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.resolve(process.env.BENCH_DIR ?? path.join(root, 'var', 'bench'), 'ctf');
const movies = Number(process.env.BENCH_MOVIES ?? 10);
const size = Number(process.env.BENCH_FRAME_SIZE ?? 1024);
const FRAMES = 40;

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const [relion, ctffind] = [await ensureRelionInstalled(), await ensureCtffindInstalled()];
const dosePerFrame = SIMULATED_OPTICS.doseElectronsPerSquareMetre / 1e20 / FRAMES;
const optics = SIMULATED_SPECIMEN_OPTICS;
const imaging: ImagingParameters = { pixelSize: optics.pixelSize, voltageKv: optics.voltageKv, csMm: optics.csMm, dosePerFrame, frames: FRAMES };
const ctfSettings = { amplitudeContrast: optics.amplitudeContrast, boxSize: 512, minResolution: 30, maxResolution: 5, minDefocus: 5000, maxDefocus: 50000, defocusStep: 500, astigmatismTolerance: 500 };
const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;

const rows: string[] = [];
const totals = { simulate: 0, relion: 0, ctffind: 0 };
const worst = { defocusA: 0, defocusPercent: 0, angle: 0, drift: 0 };
for (let i = 0; i < movies; i++) {
  const mean = 8_000 + (22_000 * i) / Math.max(1, movies - 1);
  const astigmatism = ((i * 7) % movies) * (500 / Math.max(1, movies - 1));
  const truth = { defocus1: mean + astigmatism / 2, defocus2: mean - astigmatism / 2, azimuth: (i * 37 + 11) % 180 };
  const name = `bench_${String(i + 1).padStart(3, '0')}`;
  const moviePath = path.join(dir, `${name}.frames.tif`);
  let started = process.hrtime.bigint();
  // Drawn in the TIFF's rows, so that the engines (reading it bottom-up) see `truth`.
  const inTiff = { ...truth, azimuth: mirroredAxis(truth.azimuth) };
  const movie = makeDriftMovie({ width: size, height: size, frames: FRAMES, drift: { x: 0.6 * Math.cos(i), y: 0.6 * Math.sin(i) }, electronsPerPixel: dosePerFrame * optics.pixelSize ** 2, optics, ctf: inTiff, seed: i + 1 });
  await writeFile(moviePath, encodeTiffStack({ width: size, height: size, frames: movie.frames }));
  totals.simulate += seconds(started);

  const outputDir = path.join(dir, name);
  mkdirSync(outputDir, { recursive: true });
  const run = buildRelionMotionArgs({ moviePath, format: 'tif', outputDir, outputStem: name, imaging }, { patches: [1, 1], bfactor: 150, threads: 1, eerGrouping: 40, extraArgs: [] });
  started = process.hrtime.bigint();
  await execa(relion, run.args, { cwd: run.cwd });
  totals.relion += seconds(started);
  const listed = parseRelionMicrographList(readFileSync(path.join(outputDir, RELION_MICROGRAPH_LIST), 'utf8'));
  const sum = path.resolve(run.cwd, listed.sum).replace(/\.mrc$/, '_noDW.mrc');
  const motion = parseRelionMotionStar(readFileSync(path.resolve(run.cwd, listed.star), 'utf8'), sum);

  const diagnostic = path.join(outputDir, `${name}_ctffind4.mrc`);
  const conversation = new CtffindConversation(ctffindAnswers({ micrograph: sum, diagnostic, imaging }, ctfSettings));
  started = process.hrtime.bigint();
  const child = execa(ctffind, [], { stdin: 'pipe', buffer: false, encoding: 'utf8' });
  child.stdout!.on('data', (chunk: Buffer) => conversation.feed(chunk.toString()).forEach((answer) => child.stdin!.write(`${answer}\n`)));
  await child;
  totals.ctffind += seconds(started);
  const fit = parseCtffindResults(readFileSync(diagnostic.replace(/\.mrc$/, '.txt'), 'utf8'));

  const truthDrift = totalDrift(movie.shifts.map((shift, frame) => ({ frame: frame + 1, ...shift })));
  const errors = [fit.defocus1 - truth.defocus1, fit.defocus2 - truth.defocus2];
  worst.defocusA = Math.max(worst.defocusA, ...errors.map(Math.abs));
  worst.defocusPercent = Math.max(worst.defocusPercent, ...errors.map((e, k) => (100 * Math.abs(e)) / [truth.defocus1, truth.defocus2][k]!));
  const angle = axisDifference(fit.azimuth, truth.azimuth);
  if (astigmatism > 200) worst.angle = Math.max(worst.angle, angle);
  worst.drift = Math.max(worst.drift, Math.abs(motion.totalDrift - truthDrift));
  rows.push(
    `${name}  ${truth.defocus1.toFixed(0).padStart(6)}/${truth.defocus2.toFixed(0).padStart(6)} Å ${String(truth.azimuth).padStart(3)}°  ` +
      `${fit.defocus1.toFixed(0).padStart(6)}/${fit.defocus2.toFixed(0).padStart(6)} Å ${fit.azimuth.toFixed(0).padStart(4)}°  ` +
      `${errors.map((e) => e.toFixed(0).padStart(5)).join('/')} Å ${astigmatism > 200 ? `${angle.toFixed(0).padStart(3)}°` : '   -'}  ` +
      `${fit.fitResolution.toFixed(1).padStart(5)} Å  ${motion.totalDrift.toFixed(2)}/${truthDrift.toFixed(2)} px`,
  );
}

const per = (total: number) => `${(total / movies).toFixed(2)} s`;
console.log(`\nCTF and drift against the simulator's truth: ${movies} K3 movies, ${size} x ${size} x ${FRAMES} frames, ${dosePerFrame} e/Å² per frame`);
console.log('movie        truth d1/d2, azimuth      fit d1/d2, azimuth         error d1/d2, angle   fit to   drift found/truth');
for (const row of rows) console.log(row);
console.log(
  `worst: defocus ${worst.defocusA.toFixed(0)} Å (${worst.defocusPercent.toFixed(2)}%), angle ${worst.angle.toFixed(0)}° (astigmatism > 200 Å), total drift ${worst.drift.toFixed(2)} px`,
);
console.log(`wall time per movie: simulate + LZW TIFF ${per(totals.simulate)}, RELION motion correction ${per(totals.relion)}, CTFFIND 4.1.14 ${per(totals.ctffind)}`);
