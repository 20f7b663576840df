/**
 * A guard against drift from Leginon: rawtransfer's lookup and path rules, written here from their documented
 * behaviour (../shared/reference/leginon/old-scripts-behaviour.md) as sinedon's SQL and ddinfo's string rules in
 * SQL, run beside the server's lookup (lookUpLeginonImage) on the same generated leginondb, for every frames name,
 * in three routings: a buffer host, the outage (the newest row disabled, an older one of another host enabled),
 * and `append full head`. Both must name the same image and the same folder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { IMAGE_CLASSES, openLeginonDb, type Db } from '../../src/leginondb.js';
import { lookUpLeginonImage } from '../../src/leginonLookup.js';
import { createDatabase, ensureMariaDb, serverUrl } from '../../src/mariadb.js';
import { leginonTables } from '../../src/simulator/leginonSchema.js';
import { TEST_MARIADB } from '../helpers/harness.js';

const HOSTS = ['k3-1', 'falcon-1'];
const LOOK_BACK_DAYS = 10;

/** sinedon's query for one class: the image table's window, newest first (sqlexpr.py, dbdatakeeper.py). */
const SINEDON_QUERY = (imageClass: string) => `
  SELECT img.\`DEF_id\` AS id, img.\`filename\` AS filename, cam.\`align frames\` AS aligned,
         cam.\`REF|InstrumentData|ccdcamera\` AS ccd, s.\`DEF_id\` AS session, s.\`image path\` AS imagePath, s.\`frame path\` AS framePath
    FROM \`${imageClass}\` img
    JOIN (\`CameraEMData\` cam, \`InstrumentData\` inst) ON (img.\`REF|CameraEMData|camera\` = cam.\`DEF_id\` AND cam.\`REF|InstrumentData|ccdcamera\` = inst.\`DEF_id\`)
    LEFT JOIN \`SessionData\` s ON s.\`DEF_id\` = img.\`REF|SessionData|session\`
   WHERE img.\`DEF_timestamp\` >= DATE_ADD(NOW(), INTERVAL '-${LOOK_BACK_DAYS} 0:0:0' DAY_SECOND)
     AND cam.\`frames name\` = ? AND inst.\`hostname\` = ?
   ORDER BY img.\`DEF_id\` DESC`;

/**
 * ddinfo's folder for an image, in SQL: the camera's newest BufferHostData row; disabled, the frame path or the
 * image path with its last "leginon" substring replaced by "frames"; else the newest BufferFramePathData row, or
 * os.path.join(base, [head[1:]] + tail[1:]) around the last "leginon" substring.
 */
const DDINFO_FOLDER = `
  SELECT IF(b.\`DEF_id\` IS NULL OR b.\`disabled\`,
            IF(COALESCE(?, '') <> '', ?, CONCAT(LEFT(@p, @at - 1), 'frames', SUBSTRING(@p, @at + 7))),
            COALESCE((SELECT f.\`buffer frame path\` FROM \`BufferFramePathData\` f
                       WHERE f.\`REF|SessionData|session\` = ? AND f.\`REF|BufferHostData|host\` = b.\`DEF_id\`
                       ORDER BY f.\`DEF_id\` DESC LIMIT 1),
                     CONCAT(b.\`buffer base path\`, '/', IF(b.\`append full head\`, SUBSTRING(LEFT(@p, @at - 1), 2), ''), SUBSTRING(@p, @at + 8)))) AS folder
    FROM (SELECT 1) one
    LEFT JOIN (SELECT * FROM \`BufferHostData\` WHERE \`REF|InstrumentData|ccdcamera\` = ? ORDER BY \`DEF_id\` DESC LIMIT 1) b ON TRUE`;

/** rawtransfer.query_image_by_frames_name over sinedon's rows: first class with a usable image, newest non-aligned. */
async function leginonsChoice(connection: mysql.Connection, framesName: string, host: string) {
  for (const imageClass of IMAGE_CLASSES) {
    const [rows] = (await connection.query(SINEDON_QUERY(imageClass), [framesName, host])) as unknown as [
      { id: number; filename: string; aligned: number; ccd: number; session: number; imagePath: string; framePath: string }[],
    ];
    const image = rows.length === 1 ? rows[0] : rows.find((r) => !r.aligned);
    if (!image) continue;
    await connection.query('SET @p = ?', [image.imagePath]);
    await connection.query("SET @at = LENGTH(@p) - LOCATE(REVERSE('leginon'), REVERSE(@p)) - 5");
    const [[row]] = (await connection.query(DDINFO_FOLDER, [image.framePath, image.framePath, image.session, image.ccd])) as unknown as [
      { folder: string }[],
    ];
    return { filename: image.filename, folder: row!.folder };
  }
  return undefined;
}

/** A small deterministic pseudo-random generator: the same data on every run. */
function random(seed: number) {
  let state = seed;
  return (n: number) => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) % n;
  };
}

describe("drift guard: Leginon's lookup rule as SQL beside the server's, on the same generated leginondb", () => {
  const url = new URL(`cryo_buffer_test_drift_${process.pid}`, TEST_MARIADB).toString();
  let db: Db;
  let connection: mysql.Connection;
  const framesNames: { name: string; host: string }[] = [];
  let cameras: number[] = [];

  before(async () => {
    await ensureMariaDb(TEST_MARIADB);
    await createDatabase(url, { dropFirst: true });
    db = openLeginonDb(url);
    connection = await mysql.createConnection({ uri: url });
    for (const statement of leginonTables('current')) await db.query(statement);
    const insert = async (table: string, values: Record<string, unknown>) => {
      const columns = Object.keys(values);
      const [result] = await db.query<mysql.ResultSetHeader>(
        `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        Object.values(values),
      );
      return result.insertId;
    };
    cameras = [await insert('InstrumentData', { name: 'K3', hostname: HOSTS[0] }), await insert('InstrumentData', { name: 'Falcon', hostname: HOSTS[1] })];
    // Image paths as facilities have them: "leginon" as a component, as a substring, twice. (A path whose part after
    // "leginon" is absolute, e.g. /x/leginon2/s, is a deliberate difference: Leginon drops the base, the server parks.)
    const sessions = [
      { name: '26jan15a', 'image path': '/data/leginon/smith/26jan15a/rawdata', 'frame path': '' },
      { name: '26jan15b', 'image path': '/gpfs/leginon_data/jones/26jan15b/rawdata', 'frame path': '' },
      { name: '26jan15c', 'image path': '/leginon/archive/leginon/lee/26jan15c/rawdata', 'frame path': '/frames/lee/26jan15c/rawdata' },
      { name: '26jan15d', 'image path': '/common_data/leginon/26jan15d/rawdata', 'frame path': null },
    ];
    const sessionIds = [];
    for (const session of sessions) sessionIds.push(await insert('SessionData', session));
    const pick = random(14);
    const exposures: { imageClass: string; session: number; camera: Record<string, unknown>; hoursAgo: number; filename: string }[] = [];
    // Inside the look-back, and some just outside it (Leginon's window must agree there too).
    for (let n = 0; n < 160; n++) {
      const camera = pick(2);
      const name = `202601${String(10 + pick(5)).padStart(2, '0')}_${String(n).padStart(8, '0')}`;
      framesNames.push({ name, host: HOSTS[camera]! });
      const images = 1 + pick(3);
      for (let i = 0; i < images; i++) {
        const session = sessionIds[pick(sessionIds.length)]!;
        const daysAgo = pick(8) === 0 ? LOOK_BACK_DAYS + 1 + pick(5) : pick(LOOK_BACK_DAYS);
        exposures.push({
          imageClass: pick(6) === 0 ? IMAGE_CLASSES[1 + pick(3)]! : 'AcquisitionImageData',
          session,
          camera: {
            'REF|SessionData|session': session,
            'REF|InstrumentData|ccdcamera': cameras[camera],
            'frames name': name,
            'save frames': 1,
            'align frames': i > 0 && pick(3) === 0 ? 1 : 0,
          },
          hoursAgo: daysAgo * 24 + pick(20),
          filename: `${sessions[sessionIds.indexOf(session)]!.name}_${String(n).padStart(5, '0')}_${i}ex`,
        });
      }
    }
    // Inserted oldest first, as Leginon inserts them: ids and stamps rise together.
    for (const exposure of exposures.sort((a, b) => b.hoursAgo - a.hoursAgo)) {
      const cam = await insert('CameraEMData', exposure.camera);
      await db.query(
        `INSERT INTO \`${exposure.imageClass}\` (\`DEF_timestamp\`, \`REF|SessionData|session\`, \`REF|CameraEMData|camera\`, \`filename\`) VALUES (NOW() - INTERVAL ? HOUR, ?, ?, ?)`,
        [exposure.hoursAgo, exposure.session, cam, exposure.filename],
      );
    }
    framesNames.push({ name: '20991231_00000001', host: HOSTS[0]! });
  });

  after(async () => {
    await connection?.end();
    await db?.end();
    const admin = await mysql.createConnection({ uri: serverUrl(url) });
    await admin.query(`DROP DATABASE IF EXISTS \`${new URL(url).pathname.slice(1)}\``);
    await admin.end();
  });

  async function assertSameChoices(routing: string) {
    let compared = 0;
    for (const { name, host } of framesNames) {
      const leginon = await leginonsChoice(connection, name, host);
      const ours = await lookUpLeginonImage(db, { framesName: name, cameraHost: host, lookBackDays: LOOK_BACK_DAYS }, undefined);
      const server =
        ours.kind === 'chosen' && ours.plan.kind === 'planned' ? { filename: ours.image.filename, folder: ours.plan.bufferDir } : undefined;
      assert.deepEqual(server, leginon, `${routing}: frames name ${name} on ${host}`);
      if (leginon) compared++;
    }
    assert.ok(compared > 100, `${routing}: ${compared} frames names with an image`);
  }

  it('with a buffer host per camera', async () => {
    for (const camera of cameras) {
      await db.query("INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`) VALUES (?, 'buffer1', '/buffer1/frames', 0)", [camera]);
    }
    await assertSameChoices('buffer host');
  });

  it('in the outage procedure: the newest row disabled, an older one of another buffer host still enabled', async () => {
    for (const camera of cameras) {
      await db.query("INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`) VALUES (?, 'buffer2', '/buffer2/frames', 0)", [camera]);
      await db.query("INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`) VALUES (?, 'buffer1', '/buffer1/frames', 1)", [camera]);
    }
    await assertSameChoices('outage');
  });

  it("a waiting movie's later lookups read only rows stamped since its last one found no image", async () => {
    const lookUp = (framesName: string, noImageSince?: string) =>
      lookUpLeginonImage(db, { framesName, cameraHost: HOSTS[0]!, lookBackDays: LOOK_BACK_DAYS, noImageSince }, undefined);
    const first = await lookUp('20260116_00000001');
    assert.equal(first.kind, 'none');
    assert.match(first.noImageAt ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const record = async (framesName: string, stampedAgo: string) => {
      const [camera] = await db.query<mysql.ResultSetHeader>(
        "INSERT INTO `CameraEMData` (`REF|InstrumentData|ccdcamera`, `frames name`, `save frames`) VALUES (?, ?, 1)",
        [cameras[0], framesName],
      );
      await db.query(
        `INSERT INTO \`AcquisitionImageData\` (\`DEF_timestamp\`, \`REF|SessionData|session\`, \`REF|CameraEMData|camera\`, \`filename\`)
         SELECT NOW() - INTERVAL ${stampedAgo}, MIN(\`DEF_id\`), ?, ? FROM \`SessionData\``,
        [camera.insertId, `late_${framesName}`],
      );
    };
    // Leginon writes the row now: found by the narrowed lookup.
    await record('20260116_00000001', '0 SECOND');
    const later = await lookUp('20260116_00000001', first.noImageAt);
    assert.equal(later.kind === 'chosen' && later.image.filename, 'late_20260116_00000001');
    // A row stamped before the margin is not looked at (Leginon never inserts one): the narrowing is real.
    await record('20260116_00000002', '1 DAY');
    assert.equal((await lookUp('20260116_00000002', first.noImageAt)).kind, 'none');
    assert.equal((await lookUp('20260116_00000002')).kind, 'chosen');
  });

  it('with append full head, and a stored BufferFramePathData row for one session', async () => {
    for (const camera of cameras) {
      await db.query("INSERT INTO `BufferHostData` (`REF|InstrumentData|ccdcamera`, `buffer hostname`, `buffer base path`, `disabled`, `append full head`) VALUES (?, 'buffer3', '/buffer3/base', 0, 1)", [camera]);
    }
    const [[host]] = (await db.query('SELECT MAX(`DEF_id`) AS id FROM `BufferHostData`')) as unknown as [{ id: number }[]];
    await db.query("INSERT INTO `BufferFramePathData` (`REF|SessionData|session`, `REF|BufferHostData|host`, `buffer frame path`) SELECT `DEF_id`, ?, '/buffer3/stored/26jan15a' FROM `SessionData` WHERE `name` = '26jan15a'", [host!.id]);
    await assertSameChoices('append full head');
  });
});
