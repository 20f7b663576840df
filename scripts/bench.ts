/**
 * `npm run bench`: every benchmark, each printing its contenders side by side. BENCH=copy or BENCH=preprocess
 * runs one of them.
 */
const which = process.env.BENCH;
if (!which || which === 'copy') await import('./bench/copy.js');
if (!which || which === 'preprocess') await import('./bench/preprocess.js');
process.exit(0);
