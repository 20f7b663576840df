/**
 * The imaging parameters pre-processing needs, derived from leginondb rows exactly as Appion derives them:
 * kV from ScopeEMData `high tension` (volts), Cs in mm from the TEM's InstrumentData `cs` (metres), pixel size
 * in Å from the newest PixelSizeCalibrationData for (tem, camera, magnification) times the camera binning
 * (metres per unbinned pixel), dose in e-/Å² from PresetData `dose` (electrons per m²).
 */

/** The rows behind one acquisition image, as leginondb.findImagingRows returns them (NULL stays null). */
export interface ImagingRows {
  highTensionVolts: number | null;
  csMetres: number | null;
  /** PixelSizeCalibrationData.pixelsize, metres per unbinned pixel. */
  calibratedPixelMetres: number | null;
  binning: number | null;
  /** PresetData.dose: the whole exposure, electrons per m². */
  presetDose: number | null;
  exposureTimeMs: number | null;
  frameTimeMs: number | null;
  nframes: number | null;
  magnification: number | null;
}

export interface ImagingParameters {
  voltageKv: number;
  csMm: number;
  /** Å per pixel of the saved frames. */
  pixelSize: number;
  /** e-/Å² per saved frame; absent when Leginon recorded no dose (motion correction then skips dose weighting). */
  dosePerFrame?: number;
  frames?: number;
}

export class ImagingParameterError extends Error {}

export function deriveImagingParameters(rows: ImagingRows): ImagingParameters {
  const missing: string[] = [];
  if (!rows.highTensionVolts) missing.push('ScopeEMData `high tension`');
  if (rows.csMetres === null) missing.push('InstrumentData `cs` of the TEM');
  if (!rows.calibratedPixelMetres) {
    missing.push(`PixelSizeCalibrationData \`pixelsize\` for magnification ${rows.magnification ?? '(none recorded)'}`);
  }
  if (missing.length) throw new ImagingParameterError(`leginondb lacks ${missing.join(', ')}`);
  const parameters: ImagingParameters = {
    voltageKv: clean(rows.highTensionVolts! / 1000),
    csMm: clean(rows.csMetres! * 1000),
    pixelSize: clean(rows.calibratedPixelMetres! * (rows.binning || 1) * 1e10),
  };
  if (rows.nframes) parameters.frames = rows.nframes;
  const totalDose = rows.presetDose ? rows.presetDose / 1e20 : undefined;
  if (totalDose !== undefined) {
    // Leginon keeps every frame of `frame time` ms out of an `exposure time` ms exposure.
    if (rows.frameTimeMs && rows.exposureTimeMs) parameters.dosePerFrame = clean((totalDose * rows.frameTimeMs) / rows.exposureTimeMs);
    else if (rows.nframes) parameters.dosePerFrame = clean(totalDose / rows.nframes);
  }
  return parameters;
}

/** Unit conversions leave float noise (1.06e-10 * 1e10 = 1.0600000000000003); command lines and records should not. */
const clean = (value: number) => Number(value.toPrecision(10));
