/**
 * A specimen with a known truth, as a microscope images it: a weak-phase object (amorphous ice with a few
 * particles) seen through the contrast transfer function of the session's optics at a drawn defocus and
 * astigmatism. The image is made in Fourier space, so a drifting specimen moves by exact sub-pixel shifts.
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
/**
 * Phase contrast of the ice and of the particles, radians. A 1024² frame holds a twentieth of a K3 frame's
 * pixels, so its power spectrum is that much noisier at the same dose: at 0.12 CTFFIND's astigmatism angle
 * scattered by 6-34° (250-450 Å astigmatism, 50 e/Å²), at 0.2 it is within 4° and the fit reaches 2.6-3.1 Å, as
 * a full-size micrograph's does.
 */
const ICE_PHASE = 0.2;
const PARTICLE_PHASE = 0.25;
/** Intensity an absorber takes away at its centre. */
const ABSORPTION = 0.8;
/**
 * Ice thickness varies over hundreds of Å: a few per cent of intensity at frequencies below CTFFIND's fit range.
 * It is what motion correction aligns on in a real micrograph; Thon rings alone would leave it guessing.
 */
const THICKNESS_CONTRAST = 0.05;
const THICKNESS_SCALE_A = 150;

/** Columns gathered per pass: rows of a block share cache lines, where one column at a time would not. */
const COLUMN_BLOCK = 8;

/** A complex 2D FFT of a square power-of-two grid, rows then columns, in place on interleaved re/im. */
function fft2d(grid: Float64Array, size: number, inverse: boolean): Float64Array {
  const fft = new FFT(size);
  const run = (out: Float64Array, line: Float64Array) => (inverse ? fft.inverseTransform(out, line) : fft.transform(out, line));
  const out = new Float64Array(2 * size);
  for (let row = 0; row < size; row++) {
    run(out, grid.subarray(2 * row * size, 2 * (row + 1) * size));
    grid.set(out, 2 * row * size);
  }
  const block = Array.from({ length: COLUMN_BLOCK }, () => new Float64Array(2 * size));
  for (let first = 0; first < size; first += COLUMN_BLOCK) {
    const width = Math.min(COLUMN_BLOCK, size - first);
    for (let row = 0; row < size; row++) {
      for (let c = 0; c < width; c++) {
        block[c]![2 * row] = grid[2 * (row * size + first + c)]!;
        block[c]![2 * row + 1] = grid[2 * (row * size + first + c) + 1]!;
      }
    }
    for (let c = 0; c < width; c++) {
      run(out, block[c]!);
      block[c]!.set(out);
    }
    for (let row = 0; row < size; row++) {
      for (let c = 0; c < width; c++) {
        grid[2 * (row * size + first + c)] = block[c]![2 * row]!;
        grid[2 * (row * size + first + c) + 1] = block[c]![2 * row + 1]!;
      }
    }
  }
  return grid;
}

/** Soft-edged discs (radius in Å) added into `image` with this height, at random places (the image wraps). */
function addDiscs(image: Float64Array, size: number, pixelSize: number, count: number, radiusA: [number, number], height: number, next: Random): void {
  for (let p = 0; p < count; p++) {
    const cx = next() * size;
    const cy = next() * size;
    const radius = (radiusA[0] + next() * (radiusA[1] - radiusA[0])) / pixelSize;
    const reach = Math.ceil(radius * 1.5);
    for (let dy = -reach; dy <= reach; dy++) {
      for (let dx = -reach; dx <= reach; dx++) {
        const r = Math.hypot(dx + (cx % 1), dy + (cy % 1)) / radius;
        if (r >= 1.5) continue;
        const x = (Math.floor(cx) + dx + size) % size;
        const y = (Math.floor(cy) + dy + size) % size;
        image[y * size + x]! += height / (1 + Math.exp((r - 1) * 8));
      }
    }
  }
}

/**
 * What the specimen does to the beam: the ice's white phase texture; a few round particles 100-250 Å across
 * (phase, seen through the CTF); and a few small dark absorbers (gold or ice contamination, 60-120 Å across),
 * whose sharp edges are what motion correction locks on in a real micrograph.
 */
function specimenObject(size: number, pixelSize: number, next: Random): { ice: Float64Array; particles: Float64Array; absorbers: Float64Array } {
  const ice = new Float64Array(size * size);
  for (let i = 0; i < ice.length; i++) ice[i] = ICE_PHASE * gaussian(next);
  const count = Math.max(3, Math.round((size * size * pixelSize * pixelSize) / 2e5));
  const particles = new Float64Array(size * size);
  addDiscs(particles, size, pixelSize, count, [50, 125], PARTICLE_PHASE, next);
  const absorbers = new Float64Array(size * size);
  addDiscs(absorbers, size, pixelSize, 8 * count, [15, 30], ABSORPTION, next);
  return { ice, particles, absorbers };
}

/** The spectrum of a real image, as interleaved re/im. */
function spectrumOf(image: Float64Array, size: number): Float64Array {
  const grid = new Float64Array(2 * size * size);
  for (let i = 0; i < image.length; i++) grid[2 * i] = image[i]!;
  return fft2d(grid, size, false);
}

/**
 * The specimen's spectrum at this CTF (interleaved re/im, size x size, size a power of two): the weak-phase
 * approximation, intensity = 1 + 2 F⁻¹[Φ · CTF · envelope], before the inverse transform, so that each frame can
 * be the same specimen moved by an exact sub-pixel shift (`imageAt`).
 */
export function specimenSpectrum(size: number, optics: Optics, truth: CtfTruth, next: Random): Float64Array {
  if (size & (size - 1)) throw new Error(`specimen grids are a power of two, not ${size}`);
  const specimen = specimenObject(size, optics.pixelSize, next);
  const grid = spectrumOf(specimen.ice, size);
  const particles = spectrumOf(specimen.particles, size);
  const absorbers = spectrumOf(specimen.absorbers, size);
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
      // The Nyquist row and column have no sign: a sub-pixel shift of them would not stay real.
      const blank = (row === 0 && col === 0) || row === size / 2 || col === size / 2;
      const ctf = blank ? 0 : 2 * ctfAt(gx, gy, optics, truth) * Math.exp((-B_FACTOR * g2) / 4);
      // Thickness is the ice's alone (the particles' low frequencies would be amplified as much); absorbers take
      // intensity away directly, without the CTF.
      const ice = blank ? 0 : ctf + thicknessGain * thickness(g2);
      const absorbed = blank ? 0 : 1;
      const at = 2 * (row * size + col);
      grid[at] = grid[at]! * ice + particles[at]! * ctf - absorbers[at]! * absorbed;
      grid[at + 1] = grid[at + 1]! * ice + particles[at + 1]! * ctf - absorbers[at + 1]! * absorbed;
    }
  }
  return grid;
}

/**
 * The noise-free images (mean 1) of the specimen moved by each shift, in pixels: a phase ramp on its spectrum,
 * exact at any sub-pixel shift (interpolation would blur each frame along the drift, an anisotropic envelope that
 * CTFFIND reads as astigmatism). Each image is real, so one inverse transform makes two: one in its real part,
 * the next in its imaginary part.
 */
export function* imagesAt(spectrum: Float64Array, size: number, shifts: { x: number; y: number }[]): Generator<Float32Array> {
  for (let first = 0; first < shifts.length; first += 2) {
    const pair = shifts.slice(first, first + 2);
    const grid = new Float64Array(spectrum.length);
    for (const [part, shift] of pair.entries()) {
      const rampX = phaseRamp(size, shift.x);
      const rampY = phaseRamp(size, shift.y);
      // Part 0 adds spectrum x ramp; part 1 adds i x spectrum x ramp.
      for (let row = 0; row < size; row++) {
        const [yr, yi] = [rampY[2 * row]!, rampY[2 * row + 1]!];
        for (let col = 0; col < size; col++) {
          const [xr, xi] = [rampX[2 * col]!, rampX[2 * col + 1]!];
          const [rr, ri] = [xr * yr - xi * yi, xr * yi + xi * yr];
          const at = 2 * (row * size + col);
          const [sr, si] = [spectrum[at]!, spectrum[at + 1]!];
          const [re, im] = [sr * rr - si * ri, sr * ri + si * rr];
          grid[at]! += part === 0 ? re : -im;
          grid[at + 1]! += part === 0 ? im : re;
        }
      }
    }
    fft2d(grid, size, true);
    for (let part = 0; part < pair.length; part++) {
      const image = new Float32Array(size * size);
      for (let i = 0; i < image.length; i++) image[i] = Math.max(0, 1 + grid[2 * i + part]!);
      yield image;
    }
  }
}

/** exp(-2πi k s / size) for each frequency index k: moving an image by s pixels along one axis. */
function phaseRamp(size: number, shift: number): Float64Array {
  const ramp = new Float64Array(2 * size);
  for (let k = 0; k < size; k++) {
    const angle = (-2 * Math.PI * (k < size / 2 ? k : k - size) * shift) / size;
    ramp[2 * k] = Math.cos(angle);
    ramp[2 * k + 1] = Math.sin(angle);
  }
  return ramp;
}
