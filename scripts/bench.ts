/**
 * `npm run bench`: the copy and pre-processing benchmarks, each printing its contenders side by side. One of them:
 * BENCH=copy, BENCH=preprocess, or `npm run bench -- capacity` (BENCH=capacity: long, not part of the default run).
 */
const which = process.env.BENCH ?? process.argv[2];
if (!which || which === 'copy') await import('./bench/copy.js');
if (!which || which === 'preprocess') await import('./bench/preprocess.js');
if (which === 'capacity') await import('./bench/capacity.js');
process.exit(0);
