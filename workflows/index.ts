export { ingestMovie } from './ingestMovie.js';
export { preprocessMovie } from './preprocessMovie.js';
export { storageHealth } from './storageHealth.js';
export { archiveHolds } from './archiveHolds.js';
export { bufferCapacity } from './bufferCapacity.js';
