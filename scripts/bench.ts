/**
 * `npm run bench`: the copy, pre-processing and camera-share scan benchmarks, each printing its contenders side by
 * side. One of them: BENCH=copy, BENCH=preprocess, BENCH=ctf, BENCH=scan, or the long ones not part of the default run:
 * `npm run bench -- capacity` (BENCH=capacity), `npm run bench -- de-folder` (BENCH=de-folder) and
 * `npm run bench -- leginondb` (BENCH=leginondb).
 */
const which = process.env.BENCH ?? process.argv[2];
if (!which || which === 'copy') await import('./bench/copy.js');
if (!which || which === 'preprocess') await import('./bench/preprocess.js');
if (!which || which === 'ctf') await import('./bench/ctf.js');
if (!which || which === 'scan') await import('./bench/scan.js');
if (which === 'de-folder') await import('./bench/deFolder.js');
if (which === 'capacity') await import('./bench/capacity.js');
if (which === 'leginondb') await import('./bench/leginondb.js');
process.exit(0);
