export { ingestMovie } from './ingestMovie.js';
export { preprocessMovie } from './preprocessMovie.js';
