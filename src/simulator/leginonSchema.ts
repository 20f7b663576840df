/**
 * The part of leginondb the buffer server reads, with Leginon's real table and column names and types
 * (sinedon style), for the simulated microscope and the tests. Never run against a real leginondb: Leginon
 * owns its schema. test/unit/leginonSchema.test.ts checks every name here against the reference schema.
 */
const KEYS = `PRIMARY KEY (\`DEF_id\`), KEY \`DEF_timestamp\` (\`DEF_timestamp\`)`;
const DEF = `\`DEF_id\` int(16) NOT NULL AUTO_INCREMENT,
  \`DEF_timestamp\` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP`;

const imageTable = (name: string, extraColumns = '') => `CREATE TABLE IF NOT EXISTS \`${name}\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|CameraEMData|camera\` int(20) DEFAULT NULL,
  \`filename\` varchar(255) DEFAULT NULL,
  \`label\` varchar(255) DEFAULT NULL,${extraColumns}
  ${KEYS},
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|CameraEMData|camera\` (\`REF|CameraEMData|camera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`;

export const LEGINON_TABLES: string[] = [
  `CREATE TABLE IF NOT EXISTS \`SessionData\` (
  ${DEF},
  \`name\` varchar(255) DEFAULT NULL,
  \`image path\` varchar(255) DEFAULT NULL,
  \`frame path\` varchar(255) DEFAULT NULL,
  \`comment\` varchar(255) DEFAULT NULL,
  \`hidden\` tinyint(4) DEFAULT NULL,
  \`uid\` int(20) DEFAULT NULL,
  \`gid\` int(20) DEFAULT NULL,
  ${KEYS}, KEY \`name\` (\`name\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`InstrumentData\` (
  ${DEF},
  \`name\` varchar(255) DEFAULT NULL,
  \`hostname\` varchar(255) DEFAULT NULL,
  \`description\` varchar(255) DEFAULT NULL,
  \`cs\` double DEFAULT NULL,
  \`hidden\` tinyint(1) DEFAULT '0',
  ${KEYS}
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`CameraEMData\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`SUBD|dimension|x\` int(20) DEFAULT NULL,
  \`SUBD|dimension|y\` int(20) DEFAULT NULL,
  \`SUBD|binning|x\` int(20) DEFAULT NULL,
  \`SUBD|binning|y\` int(20) DEFAULT NULL,
  \`exposure time\` double DEFAULT NULL,
  \`nframes\` int(20) DEFAULT NULL,
  \`save frames\` tinyint(1) DEFAULT '0',
  \`align frames\` tinyint(1) DEFAULT '0',
  \`tiff frames\` tinyint(1) DEFAULT '0',
  \`eer frames\` tinyint(1) DEFAULT '0',
  \`frames name\` varchar(255) DEFAULT NULL,
  \`frame time\` double DEFAULT NULL,
  \`frame flip\` tinyint(1) DEFAULT '0',
  \`frame rotate\` int(20) DEFAULT NULL,
  ${KEYS},
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|InstrumentData|ccdcamera\` (\`REF|InstrumentData|ccdcamera\`),
  KEY \`frames name\` (\`frames name\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  imageTable(
    'AcquisitionImageData',
    `
  \`REF|DarkImageData|dark\` int(20) DEFAULT NULL,
  \`REF|BrightImageData|bright\` int(20) DEFAULT NULL,
  \`REF|NormImageData|norm\` int(20) DEFAULT NULL,
  \`REF|CorrectorPlanData|corrector plan\` int(20) DEFAULT NULL,
  \`REF|ScopeEMData|scope\` int(20) DEFAULT NULL,
  \`REF|PresetData|preset\` int(20) DEFAULT NULL,`,
  ),
  // What pre-processing reads: kV, magnification and the TEM; the preset's dose; the pixel-size calibration.
  `CREATE TABLE IF NOT EXISTS \`ScopeEMData\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|tem\` int(20) DEFAULT NULL,
  \`magnification\` int(20) DEFAULT NULL,
  \`defocus\` double DEFAULT NULL,
  \`high tension\` int(20) DEFAULT NULL,
  ${KEYS}
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`PresetData\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`name\` varchar(255) DEFAULT NULL,
  \`magnification\` int(20) DEFAULT NULL,
  \`exposure time\` double DEFAULT NULL,
  \`dose\` double DEFAULT NULL,
  \`frame time\` double DEFAULT NULL,
  ${KEYS}
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`PixelSizeCalibrationData\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|tem\` int(20) DEFAULT NULL,
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`magnification\` int(20) DEFAULT NULL,
  \`high tension\` int(20) DEFAULT NULL,
  \`pixelsize\` double DEFAULT NULL,
  ${KEYS}
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  // Not in the 2018 dump; named in schema.md from rawtransfer's reads (sinedon SEQ columns hold Python reprs).
  `CREATE TABLE IF NOT EXISTS \`CorrectorPlanData\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`SEQ|bad_rows\` text,
  \`SEQ|bad_cols\` text,
  \`SEQ|bad_pixels\` text,
  ${KEYS}
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  imageTable('DarkImageData'),
  imageTable('BrightImageData'),
  imageTable('NormImageData'),
  `CREATE TABLE IF NOT EXISTS \`BufferHostData\` (
  ${DEF},
  \`REF|InstrumentData|ccdcamera\` int(20) DEFAULT NULL,
  \`buffer hostname\` text,
  \`buffer base path\` text,
  \`disabled\` tinyint(1) DEFAULT '0',
  \`append full head\` tinyint(1) DEFAULT '0',
  ${KEYS},
  KEY \`REF|InstrumentData|ccdcamera\` (\`REF|InstrumentData|ccdcamera\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
  `CREATE TABLE IF NOT EXISTS \`BufferFramePathData\` (
  ${DEF},
  \`REF|SessionData|session\` int(20) DEFAULT NULL,
  \`REF|BufferHostData|host\` int(20) DEFAULT NULL,
  \`buffer frame path\` text,
  ${KEYS},
  KEY \`REF|SessionData|session\` (\`REF|SessionData|session\`),
  KEY \`REF|BufferHostData|host\` (\`REF|BufferHostData|host\`)
) ENGINE=InnoDB DEFAULT CHARSET=latin1`,
];
