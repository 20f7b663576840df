/**
 * The part of leginondb the buffer server reads, as production has it (../shared/reference/leginondb/schema.sql:
 * Leginon's names and types, and only production's keys: DEF_id, DEF_timestamp and REF| columns, never `frames
 * name` or a boolean), for the simulated microscope and the tests. Never run against a real leginondb: Leginon
 * owns its schema. test/unit/leginonSchema.test.ts checks tables, columns and keys against the reference.
 *
 * Two eras: `current` (a Leginon since June 2022) and `pre-2022` (the shape of the 2017 production export and
 * the 2019 fresh install): no SessionData uid/gid, no BufferHostData `append full head`, none of the CameraEMData
 * and image columns sinedon adds only when a newer Leginon stores them, no BufferFramePathData table (created at
 * first use), and SessionData in MyISAM with a FULLTEXT key on `name`.
 */
export type LeginonEra = 'current' | 'pre-2022';

const CURRENT_TABLES: string[] = [
  `CREATE TABLE IF NOT EXISTS \`UserData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`username\` varchar(24) DEFAULT NULL,
  \`firstname\` varchar(24) DEFAULT NULL,
  \`lastname\` varchar(24) DEFAULT NULL,
  \`email\` varchar(60) DEFAULT NULL,
  PRIMARY KEY (\`DEF_id\`),
  UNIQUE KEY \`username\` (\`username\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`SessionData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`name\` varchar(255) DEFAULT NULL,
  \`REF|UserData|user\` int(20) DEFAULT NULL,
  \`image path\` varchar(255) DEFAULT NULL,
  \`frame path\` varchar(255) DEFAULT NULL,
  \`comment\` varchar(255) DEFAULT NULL,
  \`hidden\` tinyint(4) DEFAULT NULL,
  \`uid\` int(20) DEFAULT NULL,
  \`gid\` int(20) DEFAULT NULL,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|UserData|user\` (\`REF|UserData|user\`),
  KEY \`name\` (\`name\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`InstrumentData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`name\` varchar(255) DEFAULT NULL,
  \`hostname\` varchar(255) DEFAULT NULL,
  \`description\` varchar(255) DEFAULT NULL,
  \`cs\` double DEFAULT NULL,
  \`pixelmax\` int(20) DEFAULT NULL,
  \`hidden\` tinyint(1) DEFAULT '0',
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`CameraEMData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`system time\` double DEFAULT NULL,
  \`SUBD|dimension|x\` int(20) DEFAULT NULL,
  \`SUBD|dimension|y\` int(20) DEFAULT NULL,
  \`SUBD|binning|x\` int(20) DEFAULT NULL,
  \`SUBD|binning|y\` int(20) DEFAULT NULL,
  \`SUBD|offset|x\` int(20) DEFAULT NULL,
  \`SUBD|offset|y\` int(20) DEFAULT NULL,
  \`SUBD|pixel size|x\` double DEFAULT NULL,
  \`SUBD|pixel size|y\` double DEFAULT NULL,
  \`binned multiplier\` double DEFAULT NULL,
  \`exposure time\` double DEFAULT NULL,
  \`exposure type\` varchar(255) DEFAULT NULL,
  \`exposure timestamp\` double DEFAULT NULL,
  \`energy filtered\` tinyint(1) DEFAULT '0',
  \`nframes\` int(20) DEFAULT NULL,
  \`save frames\` tinyint(1) DEFAULT '0',
  \`align frames\` tinyint(1) DEFAULT '0',
  \`tiff frames\` tinyint(1) DEFAULT '0',
  \`eer frames\` tinyint(1) DEFAULT '0',
  \`align filter\` varchar(255) DEFAULT NULL,
  \`frames name\` varchar(255) DEFAULT NULL,
  \`SEQ|use frames\` text,
  \`frame time\` double DEFAULT NULL,
  \`request nframes\` int(20) DEFAULT NULL,
  \`frame flip\` tinyint(1) DEFAULT '0',
  \`frame rotate\` int(20) DEFAULT NULL,
  \`readout delay\` int(20) DEFAULT NULL,
  \`gain index\` int(20) DEFAULT NULL,
  \`system corrected\` tinyint(1) DEFAULT '0',
  \`sum gain corrected\` tinyint(1) DEFAULT '0',
  \`frame gain corrected\` tinyint(1) DEFAULT '0',
  \`system dark subtracted\` tinyint(1) DEFAULT '0',
  \`use cds\` tinyint(1) DEFAULT '0',
  \`fast save\` tinyint(1) DEFAULT '0',
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|InstrumentData|ccdcamera\` (\`REF|InstrumentData|ccdcamera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`ScopeEMData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|tem\` int(20) DEFAULT NULL,
  \`system time\` double DEFAULT NULL,
  \`projection mode\` text,
  \`magnification\` int(20) DEFAULT NULL,
  \`spot size\` int(20) DEFAULT NULL,
  \`intensity\` double DEFAULT NULL,
  \`defocus\` double DEFAULT NULL,
  \`SUBD|stage position|a\` double DEFAULT NULL,
  \`SUBD|stage position|x\` double DEFAULT NULL,
  \`SUBD|stage position|y\` double DEFAULT NULL,
  \`SUBD|stage position|z\` double DEFAULT NULL,
  \`high tension\` int(20) DEFAULT NULL,
  \`probe mode\` varchar(255) DEFAULT NULL,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|InstrumentData|tem\` (\`REF|InstrumentData|tem\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`PresetData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|tem\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`number\` int(20) DEFAULT NULL,
  \`name\` varchar(255) DEFAULT NULL,
  \`magnification\` int(20) DEFAULT NULL,
  \`spot size\` int(20) DEFAULT NULL,
  \`intensity\` double DEFAULT NULL,
  \`defocus\` double DEFAULT NULL,
  \`exposure time\` double DEFAULT NULL,
  \`SUBD|dimension|x\` int(20) DEFAULT NULL,
  \`SUBD|dimension|y\` int(20) DEFAULT NULL,
  \`SUBD|binning|x\` int(20) DEFAULT NULL,
  \`SUBD|binning|y\` int(20) DEFAULT NULL,
  \`SUBD|offset|x\` int(20) DEFAULT NULL,
  \`SUBD|offset|y\` int(20) DEFAULT NULL,
  \`removed\` tinyint(1) DEFAULT '0',
  \`hasref\` tinyint(1) DEFAULT '0',
  \`dose\` double DEFAULT NULL,
  \`skip\` tinyint(1) DEFAULT '0',
  \`save frames\` tinyint(1) DEFAULT '0',
  \`frame time\` double DEFAULT NULL,
  \`align frames\` tinyint(1) DEFAULT '0',
  \`align filter\` varchar(255) DEFAULT NULL,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|InstrumentData|tem\` (\`REF|InstrumentData|tem\`),
  KEY \`REF|InstrumentData|ccdcamera\` (\`REF|InstrumentData|ccdcamera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`AcquisitionImageData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|ScopeEMData|scope\` int(20) DEFAULT NULL,
  \`REF|CameraEMData|camera\` int(20) DEFAULT NULL,
  \`REF|PresetData|preset\` int(20) DEFAULT NULL,
  \`MRC|image\` varchar(255) DEFAULT NULL,
  \`pixeltype\` varchar(255) DEFAULT NULL,
  \`pixels\` int(20) DEFAULT NULL,
  \`label\` varchar(255) DEFAULT NULL,
  \`filename\` varchar(255) DEFAULT NULL,
  \`correction channel\` int(20) DEFAULT NULL,
  \`channel\` int(20) DEFAULT NULL,
  \`version\` int(20) DEFAULT NULL,
  \`tiltnumber\` int(20) DEFAULT NULL,
  \`REF|CorrectorPlanData|corrector plan\` int(20) DEFAULT NULL,
  \`REF|DarkImageData|dark\` int(20) DEFAULT NULL,
  \`REF|BrightImageData|bright\` int(20) DEFAULT NULL,
  \`REF|NormImageData|norm\` int(20) DEFAULT NULL,
  \`SEQ|use frames\` text,
  \`denoised\` tinyint(1) DEFAULT '0',
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|ScopeEMData|scope\` (\`REF|ScopeEMData|scope\`),
  KEY \`REF|CameraEMData|camera\` (\`REF|CameraEMData|camera\`),
  KEY \`REF|PresetData|preset\` (\`REF|PresetData|preset\`),
  KEY \`REF|DarkImageData|dark\` (\`REF|DarkImageData|dark\`),
  KEY \`REF|BrightImageData|bright\` (\`REF|BrightImageData|bright\`),
  KEY \`REF|NormImageData|norm\` (\`REF|NormImageData|norm\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`DarkImageData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|ScopeEMData|scope\` int(20) DEFAULT NULL,
  \`REF|CameraEMData|camera\` int(20) DEFAULT NULL,
  \`MRC|image\` text,
  \`pixeltype\` text,
  \`pixels\` int(20) DEFAULT NULL,
  \`label\` text,
  \`filename\` text,
  \`channel\` int(20) DEFAULT NULL,
  \`REF|CorrectorPlanData|corrector plan\` int(20) DEFAULT NULL,
  \`SEQ|use frames\` text,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|CameraEMData|camera\` (\`REF|CameraEMData|camera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`BrightImageData\` LIKE \`DarkImageData\``,
  `CREATE TABLE IF NOT EXISTS \`NormImageData\` LIKE \`DarkImageData\``,
  `CREATE TABLE IF NOT EXISTS \`BufferHostData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`buffer hostname\` text,
  \`buffer base path\` text,
  \`disabled\` tinyint(1) DEFAULT '0',
  \`append full head\` tinyint(1) DEFAULT '0',
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|InstrumentData|ccdcamera\` (\`REF|InstrumentData|ccdcamera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`BufferFramePathData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|BufferHostData|host\` int(20) DEFAULT NULL,
  \`buffer frame path\` text,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|BufferHostData|host\` (\`REF|BufferHostData|host\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`PixelSizeCalibrationData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|tem\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`projection mode\` text,
  \`magnification\` int(20) DEFAULT NULL,
  \`high tension\` int(20) DEFAULT NULL,
  \`pixelsize\` double DEFAULT NULL,
  \`comment\` varchar(255) DEFAULT NULL,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|InstrumentData|tem\` (\`REF|InstrumentData|tem\`),
  KEY \`REF|InstrumentData|ccdcamera\` (\`REF|InstrumentData|ccdcamera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`CorrectorPlanData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|CameraEMData|camera\` int(20) DEFAULT NULL,
  \`SEQ|bad_rows\` text,
  \`SEQ|bad_cols\` text,
  \`SEQ|bad_pixels\` text,
  \`despike\` tinyint(1) DEFAULT '0',
  \`despike size\` int(20) DEFAULT NULL,
  \`despike threshold\` double DEFAULT NULL,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|CameraEMData|camera\` (\`REF|CameraEMData|camera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`DDinfoKeyData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`name\` text,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`DDinfoValueData\` (
  \`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  \`REF|CameraEMData|camera\` int(20) DEFAULT NULL,
  \`REF|DDinfoKeyData|infokey\` int(20) DEFAULT NULL,
  \`infovalue\` text,
  PRIMARY KEY (\`DEF_id\`),
  KEY \`DEF_timestamp\` (\`DEF_timestamp\`),
  KEY \`REF|CameraEMData|camera\` (\`REF|CameraEMData|camera\`),
  KEY \`REF|DDinfoKeyData|infokey\` (\`REF|DDinfoKeyData|infokey\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
]

/** Columns a pre-2022 leginondb lacks (sinedon adds them when a newer Leginon first stores a value). */
const ADDED_SINCE_2022: Record<string, string[]> = {
  SessionData: ['uid', 'gid'],
  BufferHostData: ['append full head'],
  CameraEMData: [
    'SUBD|offset|x', 'SUBD|offset|y', 'SUBD|pixel size|x', 'SUBD|pixel size|y', 'tiff frames', 'eer frames', 'SEQ|use frames',
    'request nframes', 'sum gain corrected', 'frame gain corrected', 'system dark subtracted', 'use cds', 'fast save',
  ],
  AcquisitionImageData: ['SEQ|use frames', 'denoised'],
  ScopeEMData: ['projection mode'],
  PixelSizeCalibrationData: ['projection mode'],
};
/** Tables a pre-2022 leginondb may not have yet. */
const ABSENT_BEFORE_2022 = ['BufferFramePathData'];

export const tableName = (statement: string) => /CREATE TABLE IF NOT EXISTS `([^`]+)`/.exec(statement)![1]!;

function asBefore2022(statement: string): string | undefined {
  const table = tableName(statement);
  if (ABSENT_BEFORE_2022.includes(table)) return undefined;
  const dropped = new Set(ADDED_SINCE_2022[table] ?? []);
  let older = statement
    .split('\n')
    .filter((line) => !dropped.has(/^\s*`([^`]+)` /.exec(line)?.[1] ?? ''))
    .join('\n');
  if (table === 'SessionData') older = older.replace('KEY `name`', 'FULLTEXT KEY `name`').replace('ENGINE=InnoDB', 'ENGINE=MyISAM');
  return older;
}

export function leginonTables(era: LeginonEra = 'current'): string[] {
  return era === 'current' ? CURRENT_TABLES : CURRENT_TABLES.map(asBefore2022).filter((s): s is string => s !== undefined);
}
