export { ingestMovie } from './ingestMovie.js';
