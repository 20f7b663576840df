/**
 * The pre-processing engines and the device each step needs. GPU engines run on a buffer host's GPU slots (one job
 * per GPU), CPU engines on its CPU slots; the workflow routes each job by these tables. Plain data: the workflow
 * imports it.
 */
export const MOTION_ENGINES = ['none', 'motioncor2', 'motioncor3', 'relion'] as const;
/** `motioncor3`: the CTF MotionCor3 estimated during motion correction (its `_Ctf.txt`), read on a CPU slot. */
export const CTF_ENGINES = ['none', 'ctffind4', 'gctf', 'motioncor3'] as const;
export type MotionEngine = (typeof MOTION_ENGINES)[number];
export type CtfEngine = (typeof CTF_ENGINES)[number];
export type Engine = MotionEngine | CtfEngine;
export type PreprocessStep = 'motion' | 'ctf';
export type Device = 'gpu' | 'cpu';

const DEVICE: { motion: Record<Exclude<MotionEngine, 'none'>, Device>; ctf: Record<Exclude<CtfEngine, 'none'>, Device> } = {
  motion: { motioncor2: 'gpu', motioncor3: 'gpu', relion: 'cpu' },
  ctf: { ctffind4: 'cpu', gctf: 'gpu', motioncor3: 'cpu' },
};

export function stepDevice(step: 'motion', engine: MotionEngine): Device | undefined;
export function stepDevice(step: 'ctf', engine: CtfEngine): Device | undefined;
export function stepDevice(step: PreprocessStep, engine: Engine): Device | undefined;
export function stepDevice(step: PreprocessStep, engine: Engine): Device | undefined {
  if (engine === 'none') return undefined;
  return (DEVICE[step] as Record<string, Device>)[engine];
}

/** The program each engine runs unless `executable` names another; the CTF engine `motioncor3` runs none. */
export const DEFAULT_EXECUTABLES: Record<Exclude<MotionEngine, 'none'>, string> & Record<Exclude<CtfEngine, 'none' | 'motioncor3'>, string> = {
  motioncor2: 'MotionCor2',
  motioncor3: 'MotionCor3',
  relion: 'relion_run_motioncorr',
  ctffind4: 'ctffind',
  gctf: 'Gctf',
};
