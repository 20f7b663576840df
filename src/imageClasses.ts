/**
 * Leginon's image classes whose camera records can carry a movie, in the order rawtransfer asks them (the first
 * class with a usable image decides). Workflow-safe: no I/O.
 */
export const IMAGE_CLASSES = ['AcquisitionImageData', 'DarkImageData', 'BrightImageData', 'NormImageData'] as const;
export type ImageClass = (typeof IMAGE_CLASSES)[number];
