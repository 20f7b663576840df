/**
 * The leginondb lookup benchmark (`npm run bench -- leginondb`): a generated year of a busy facility in production's
 * table shapes and keys only (no index on `frames name`), and the frames-name lookup timed three ways on the same
 * data: the server's (findImagesByFramesName), Leginon's own query shape (sinedon: one query per class, window on
 * the image table's DEF_timestamp, newest first), and the server's query before it was bounded (window on
 * CameraEMData, SessionData driving). Rows read per lookup are the connection's Handler_read_* counters.
 *
 * BENCH_LEGINONDB_IMAGES (default 2,000,000 acquisition images; twice as many CameraEMData rows), 300 sessions,
 * a 10-day look-back. The database (cryo_buffer_bench_leginondb on TEST_MARIADB_URL or the local server) is kept
 * between runs and rebuilt only when its size differs.
 */
import os from 'node:os';
import mysql from 'mysql2/promise';
import { databaseNow, findImagesByFramesName, IMAGE_CLASSES, openLeginonDb } from '../../src/leginondb.js';
import { lookUpLeginonImage } from '../../src/leginonLookup.js';
import { createDatabase, ensureMariaDb } from '../../src/mariadb.js';
import { leginonTables } from '../../src/simulator/leginonSchema.js';

const server = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/';
const url = new URL('cryo_buffer_bench_leginondb', server).toString();
const images = Number(process.env.BENCH_LEGINONDB_IMAGES ?? 2_000_000);
const cameraRows = images * 2;
const sessions = 300;
const lookBackDays = 10;
const hosts = ['k3-1', 'k3-2', 'falcon-1'];

await ensureMariaDb(server);
const admin = openLeginonDb(server);
const [[existing]] = (await admin.query(
  "SELECT TABLE_ROWS AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'cryo_buffer_bench_leginondb' AND TABLE_NAME = 'AcquisitionImageData'",
)) as unknown as [{ n: number }[]];
const db = openLeginonDb(url);

// InnoDB's TABLE_ROWS is an estimate: within 10% means the data of this size is there.
if (!existing || Math.abs(existing.n - images) > images / 10) {
  console.log(`generating a year of leginondb: ${images.toLocaleString('en')} images, ${cameraRows.toLocaleString('en')} camera records, ${sessions} sessions...`);
  const started = performance.now();
  await createDatabase(url, { dropFirst: true });
  for (const statement of leginonTables('current')) await db.query(statement);
  const step = (365 * 86400) / cameraRows;
  await db.query('SET @start = UNIX_TIMESTAMP(NOW() - INTERVAL 365 DAY)');
  await db.query("INSERT INTO `InstrumentData` (`name`, `hostname`) VALUES ('K3 1', 'k3-1'), ('K3 2', 'k3-2'), ('Falcon 4i', 'falcon-1')");
  await db.query(
    `INSERT INTO \`SessionData\` (\`name\`, \`image path\`, \`frame path\`)
     SELECT CONCAT('s', seq), CONCAT('/data/leginon/user', seq % 40, '/s', seq, '/rawdata'), '' FROM seq_1_to_${sessions}`,
  );
  // Odd records are exposures that saved frames (unique frames names); even ones are gr/sq/hl images ("dummy").
  for (let from = 1; from <= cameraRows; from += 500_000) {
    const to = Math.min(cameraRows, from + 499_999);
    await db.query(
      `INSERT INTO \`CameraEMData\` (\`DEF_timestamp\`, \`REF|SessionData|session\`, \`REF|InstrumentData|ccdcamera\`, \`frames name\`, \`save frames\`, \`align frames\`)
       SELECT FROM_UNIXTIME(@start + seq * ${step}), CEIL(seq * ${sessions} / ${cameraRows}), 1 + (seq DIV 2) % 3,
              IF(seq % 2 = 1, CONCAT('2026', LPAD(seq, 10, '0')), 'dummy'), seq % 2, 0
         FROM seq_${from}_to_${to}`,
    );
  }
  for (let from = 1; from <= images; from += 500_000) {
    const to = Math.min(images, from + 499_999);
    await db.query(
      `INSERT INTO \`AcquisitionImageData\` (\`DEF_timestamp\`, \`REF|SessionData|session\`, \`REF|CameraEMData|camera\`, \`filename\`)
       SELECT FROM_UNIXTIME(@start + (2 * seq - 1) * ${step}), CEIL((2 * seq - 1) * ${sessions} / ${cameraRows}), 2 * seq - 1,
              CONCAT('s', CEIL((2 * seq - 1) * ${sessions} / ${cameraRows}), '_', LPAD(seq, 5, '0'), 'gr_00002sq_v01_00003hl_00004ex')
         FROM seq_${from}_to_${to}`,
    );
  }
  await db.query('ANALYZE TABLE `CameraEMData`, `AcquisitionImageData`, `SessionData`');
  console.log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

const [[window]] = (await db.query(
  `SELECT COUNT(*) AS n FROM \`AcquisitionImageData\` WHERE \`DEF_timestamp\` >= NOW() - INTERVAL ${lookBackDays} DAY`,
)) as unknown as [{ n: number }[]];
const sample = async (from: string, to: string, count: number) =>
  (
    (await db.query(
      `SELECT cam.\`frames name\` AS name, inst.\`hostname\` AS host FROM \`AcquisitionImageData\` img
         JOIN \`CameraEMData\` cam ON cam.\`DEF_id\` = img.\`REF|CameraEMData|camera\`
         JOIN \`InstrumentData\` inst ON inst.\`DEF_id\` = cam.\`REF|InstrumentData|ccdcamera\`
        WHERE img.\`DEF_timestamp\` >= NOW() - INTERVAL ${from} AND img.\`DEF_timestamp\` < NOW() - INTERVAL ${to} ORDER BY RAND() LIMIT ${count}`,
    )) as unknown as [{ name: string; host: string }[]]
  )[0];
const groups: [string, { name: string; host: string }[]][] = [
  // A movie is complete on the camera minutes after Leginon records its image.
  ['recorded in the last hour (a movie just taken)', await sample('1 HOUR', '0 SECOND', 100)],
  // Late movies: a camera share back after an outage, a backlog copied hours or days later.
  ['recorded 1 hour to 1 day ago (a late movie)', await sample('1 DAY', '1 HOUR', 50)],
  ['recorded 1 to 10 days ago (a very late movie)', await sample(`${lookBackDays} DAY`, '1 DAY', 50)],
  // Every lookup while a movie waits for its row reads the whole window.
  ['not recorded yet (a movie waiting for its row)', Array.from({ length: 50 }, (_, i) => ({ name: `20991231_${String(i).padStart(8, '0')}`, host: hosts[i % 3]! }))],
];

/** One connection, so its Handler_read_* counters are the lookup's own. */
const measured = mysql.createPool({ uri: url, connectionLimit: 1, charset: 'utf8mb4', dateStrings: true });

const leginonShape = (imageClass: string) =>
  `SELECT img.*, cam.\`align frames\` FROM \`${imageClass}\` img
     JOIN (\`CameraEMData\` cam, \`InstrumentData\` inst) ON (img.\`REF|CameraEMData|camera\` = cam.\`DEF_id\` AND cam.\`REF|InstrumentData|ccdcamera\` = inst.\`DEF_id\`)
    WHERE img.\`DEF_timestamp\` >= DATE_ADD(NOW(), INTERVAL '-${lookBackDays} 0:0:0' DAY_SECOND)
      AND cam.\`frames name\` = ? AND inst.\`hostname\` = ? ORDER BY img.\`DEF_id\` DESC`;
const unboundedShape = IMAGE_CLASSES.map(
  (imageClass) => `(SELECT img.\`DEF_id\`, s.\`name\` FROM \`CameraEMData\` cam
     JOIN \`InstrumentData\` inst ON inst.\`DEF_id\` = cam.\`REF|InstrumentData|ccdcamera\`
     JOIN \`${imageClass}\` img ON img.\`REF|CameraEMData|camera\` = cam.\`DEF_id\`
     JOIN \`SessionData\` s ON s.\`DEF_id\` = img.\`REF|SessionData|session\`
    WHERE cam.\`frames name\` = ? AND inst.\`hostname\` = ? AND cam.\`DEF_timestamp\` >= NOW() - INTERVAL ? SECOND ORDER BY img.\`DEF_id\`)`,
).join(' UNION ALL ');

const contenders: [string, (name: string, host: string) => Promise<unknown>][] = [
  ['this server (lookUpLeginonImage)', (name, host) => lookUpLeginonImage(measured, { framesName: name, cameraHost: host, lookBackDays }, undefined)],
  ['this server, whole look-back only', (name, host) => findImagesByFramesName(measured, name, host, { lookBackDays })],
  [
    "Leginon's query shape (sinedon, 4 classes)",
    async (name, host) => {
      for (const imageClass of IMAGE_CLASSES) await measured.query(leginonShape(imageClass), [name, host]);
    },
  ],
  ['before (window on CameraEMData)', (name, host) => measured.query(unboundedShape, IMAGE_CLASSES.flatMap(() => [name, host, lookBackDays * 86400]))],
];

async function rowsRead(): Promise<number> {
  const [rows] = (await measured.query("SHOW SESSION STATUS LIKE 'Handler_read%'")) as unknown as [{ Value: string }[]];
  return rows.reduce((sum, row) => sum + Number(row.Value), 0);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const [[version]] = (await db.query('SELECT VERSION() AS v')) as unknown as [{ v: string }[]];
console.log(`\nleginondb lookups: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, MariaDB ${version!.v}`);
console.log(`${images.toLocaleString('en')} images, ${cameraRows.toLocaleString('en')} camera records, ${sessions} sessions; ${window!.n.toLocaleString('en')} images in the ${lookBackDays}-day window`);
console.log(`${groups.reduce((n, [, names]) => n + names.length, 0)} lookups each, by how old the frames name's image is:\n`);
console.log(`  ${'query'.padEnd(44)} ${'rows read/lookup'.padStart(17)} ${'x window'.padStart(9)} ${'p50'.padStart(9)} ${'p95'.padStart(9)}`);
await findImagesByFramesName(measured, 'warm-up', 'k3-1', { lookBackDays });
// A waiting movie's first lookup found no image at all: its later ones ask only for rows stamped since.
const noImageSince = await databaseNow(measured);
const waitingContender: (typeof contenders)[number] = [
  "this server, a waiting movie's later lookups",
  (name, host) => lookUpLeginonImage(measured, { framesName: name, cameraHost: host, lookBackDays, noImageSince }, undefined),
];
for (const [group, names] of groups) {
  console.log(`  ${group}:`);
  for (const [label, lookup] of group.startsWith('not recorded') ? [waitingContender, ...contenders] : contenders) {
    const times: number[] = [];
    let read = 0;
    for (const { name, host } of names) {
      await measured.query('FLUSH STATUS');
      const started = performance.now();
      await lookup(name, host);
      times.push(performance.now() - started);
      read += await rowsRead();
    }
    times.sort((a, b) => a - b);
    const perLookup = read / names.length;
    console.log(
      `    ${label.padEnd(42)} ${Math.round(perLookup).toLocaleString('en').padStart(17)} ${(perLookup / window!.n).toFixed(2).padStart(8)}x ${quantile(times, 0.5).toFixed(1).padStart(6)} ms ${quantile(times, 0.95).toFixed(1).padStart(6)} ms`,
    );
  }
}
await measured.end();
await db.end();
await admin.end();
