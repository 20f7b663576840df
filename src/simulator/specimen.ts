/**
 * A specimen with a known truth, as a microscope images it: a weak-phase object (amorphous ice with a few
 * particles) seen through the contrast transfer function of the session's optics at a drawn defocus and
 * astigmatism. The image is periodic (made in Fourier space), so a drifting specimen can be sampled anywhere.
 * CTF conventions are CTFFIND4's (Rohou & Grigorieff 2015): defocus positive for underfocus, defocus 1 the larger,
 * the azimuth of astigmatism that of defocus 1's axis, counter-clockwise from the x axis (columns) in degrees.
 */
import FFT from 'fft.js';
import { gaussian, type Random } from './random.js';

export interface Optics {
  voltageKv: number;
  csMm: number;
  amplitudeContrast: number;
  /** Å per pixel. */
  pixelSize: number;
}

/** One exposure's CTF, in the image's pixel grid (x = column, y = row). */
export interface CtfTruth {
  /** Å, underfocus positive; defocus1 >= defocus2. */
  defocus1: number;
  defocus2: number;
  /** Degrees in [0, 180): the axis of defocus1. */
  azimuth: number;
}

/** Relativistic electron wavelength in Å. */
export function electronWavelength(voltageKv: number): number {
  const volts = voltageKv * 1000;
  return 12.2643247 / Math.sqrt(volts * (1 + 0.978466e-6 * volts));
}

/** Mean defocus 0.8-3.0 µm, astigmatism up to 500 Å at a random angle: what a session's exposures spread over. */
export function drawCtfTruth(next: Random): CtfTruth {
  const mean = 8_000 + next() * 22_000;
  const astigmatism = next() * 500;
  return { defocus1: round(mean + astigmatism / 2), defocus2: round(mean - astigmatism / 2), azimuth: round(next() * 180) };
}

const round = (value: number) => Number(value.toFixed(1));

/** CTFFIND4's CTF at spatial frequency (gx, gy) in 1/Å. */
export function ctfAt(gx: number, gy: number, optics: Optics, truth: CtfTruth): number {
  const lambda = electronWavelength(optics.voltageKv);
  const cs = optics.csMm * 1e7;
  const g2 = gx * gx + gy * gy;
  const angle = Math.atan2(gy, gx);
  const defocus = 0.5 * (truth.defocus1 + truth.defocus2 + (truth.defocus1 - truth.defocus2) * Math.cos(2 * (angle - (truth.azimuth * Math.PI) / 180)));
  const chi = Math.PI * lambda * g2 * defocus - 0.5 * Math.PI * cs * lambda ** 3 * g2 * g2;
  const w2 = optics.amplitudeContrast;
  return -(Math.sqrt(1 - w2 * w2) * Math.sin(chi) + w2 * Math.cos(chi));
}

/** Scattering falls off with frequency (B-factor, Å²): Thon rings fade towards Nyquist as in real images. */
const B_FACTOR = 60;
/** Phase contrast of the ice and of the particles, radians. */
const ICE_PHASE = 0.12;
const PARTICLE_PHASE = 0.25;
/**
 * Ice thickness varies over hundreds of Å: a few per cent of intensity at frequencies below CTFFIND's fit range.
 * It is what motion correction aligns on in a real micrograph; Thon rings alone would leave it guessing.
 */
const THICKNESS_CONTRAST = 0.05;
const THICKNESS_SCALE_A = 150;

/** A complex 2D FFT of a square power-of-two grid, rows then columns, in place on interleaved re/im. */
function fft2d(grid: Float64Array, size: number, inverse: boolean): Float64Array {
  const fft = new FFT(size);
  const line = fft.createComplexArray() as number[];
  const out = fft.createComplexArray() as number[];
  const pass = (index: (i: number, j: number) => number) => {
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const at = index(i, j);
        line[2 * j] = grid[at]!;
        line[2 * j + 1] = grid[at + 1]!;
      }
      if (inverse) fft.inverseTransform(out, line);
      else fft.transform(out, line);
      for (let j = 0; j < size; j++) {
        const at = index(i, j);
        grid[at] = out[2 * j]!;
        grid[at + 1] = out[2 * j + 1]!;
      }
    }
  };
  pass((row, col) => 2 * (row * size + col));
  pass((col, row) => 2 * (row * size + col));
  return grid;
}

/** The phase the specimen imparts: white ice texture plus a few round particles 100-250 Å across. */
function phaseObject(size: number, pixelSize: number, next: Random): Float64Array {
  const phase = new Float64Array(size * size);
  for (let i = 0; i < phase.length; i++) phase[i] = ICE_PHASE * gaussian(next);
  const particles = Math.max(3, Math.round((size * size * pixelSize * pixelSize) / 2e5));
  for (let p = 0; p < particles; p++) {
    const cx = next() * size;
    const cy = next() * size;
    const radius = (50 + next() * 75) / pixelSize;
    const reach = Math.ceil(radius * 1.5);
    for (let dy = -reach; dy <= reach; dy++) {
      for (let dx = -reach; dx <= reach; dx++) {
        const r = Math.hypot(dx + (cx % 1), dy + (cy % 1)) / radius;
        if (r >= 1.5) continue;
        const x = (Math.floor(cx) + dx + size) % size;
        const y = (Math.floor(cy) + dy + size) % size;
        phase[y * size + x]! += PARTICLE_PHASE / (1 + Math.exp((r - 1) * 8));
      }
    }
  }
  return phase;
}

/**
 * The noise-free image (mean 1) of a fresh specimen at this CTF: size x size pixels, size a power of two.
 * Weak-phase approximation: intensity = 1 + 2 F⁻¹[Φ · CTF · envelope].
 */
export function specimenImage(size: number, optics: Optics, truth: CtfTruth, next: Random): Float32Array {
  if (size & (size - 1)) throw new Error(`specimen grids are a power of two, not ${size}`);
  const phase = phaseObject(size, optics.pixelSize, next);
  const grid = new Float64Array(2 * size * size);
  for (let i = 0; i < phase.length; i++) grid[2 * i] = phase[i]!;
  fft2d(grid, size, false);
  const step = 1 / (size * optics.pixelSize);
  const thickness = (g2: number) => Math.exp(-g2 * THICKNESS_SCALE_A * THICKNESS_SCALE_A);
  let thicknessPower = 0;
  for (let row = 0; row < size; row++) {
    const gy = (row < size / 2 ? row : row - size) * step;
    for (let col = 0; col < size; col++) thicknessPower += thickness(((col < size / 2 ? col : col - size) * step) ** 2 + gy * gy) ** 2;
  }
  // The same low frequencies of the ice, scaled to THICKNESS_CONTRAST (F⁻¹ of white noise times w has variance σ²Σw²/N).
  const thicknessGain = THICKNESS_CONTRAST / (ICE_PHASE * Math.sqrt(thicknessPower / (size * size)));
  for (let row = 0; row < size; row++) {
    const gy = (row < size / 2 ? row : row - size) * step;
    for (let col = 0; col < size; col++) {
      const gx = (col < size / 2 ? col : col - size) * step;
      const g2 = gx * gx + gy * gy;
      const transfer =
        row === 0 && col === 0 ? 0 : 2 * ctfAt(gx, gy, optics, truth) * Math.exp((-B_FACTOR * g2) / 4) + thicknessGain * thickness(g2);
      grid[2 * (row * size + col)]! *= transfer;
      grid[2 * (row * size + col) + 1]! *= transfer;
    }
  }
  fft2d(grid, size, true);
  const image = new Float32Array(size * size);
  for (let i = 0; i < image.length; i++) image[i] = Math.max(0, 1 + grid[2 * i]!);
  return image;
}
