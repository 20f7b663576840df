/**
 * The pre-processing engines and the device each needs. GPU engines run on a buffer host's GPU slots (one job
 * per GPU), CPU engines on its CPU slots; the workflow routes each job by this table. Plain data: the workflow
 * imports it.
 */
export const MOTION_ENGINES = ['none', 'motioncor2', 'relion'] as const;
export const CTF_ENGINES = ['none', 'ctffind4', 'gctf'] as const;
export type MotionEngine = (typeof MOTION_ENGINES)[number];
export type CtfEngine = (typeof CTF_ENGINES)[number];
export type Engine = MotionEngine | CtfEngine;

const DEVICE: Record<Exclude<Engine, 'none'>, 'gpu' | 'cpu'> = {
  motioncor2: 'gpu',
  gctf: 'gpu',
  relion: 'cpu',
  ctffind4: 'cpu',
};

export function engineDevice(engine: Engine): 'gpu' | 'cpu' | undefined {
  return engine === 'none' ? undefined : DEVICE[engine];
}

/** The program each engine runs unless `executable` names another. */
export const DEFAULT_EXECUTABLES: Record<Exclude<Engine, 'none'>, string> = {
  motioncor2: 'MotionCor2',
  relion: 'relion_run_motioncorr',
  ctffind4: 'ctffind',
  gctf: 'Gctf',
};
