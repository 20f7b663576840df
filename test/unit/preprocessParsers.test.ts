import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { answerCtffind, CtffindConversation, CtffindConversationError, CtffindPromptReader, ctffindAnswers, CtfOutputError, parseCtffindAvrot, parseCtffindResults } from '../../src/preprocess/ctffind4.js';
import { parseGctfLog } from '../../src/preprocess/gctf.js';
import { MotionLogError, parseMotionCor2Log } from '../../src/preprocess/motioncor2.js';
import { parseRelionMicrographList, parseRelionMotionStar } from '../../src/preprocess/relion.js';

const REFERENCE = new URL('../../../shared/reference/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, REFERENCE), 'utf8');
const haveReference = existsSync(REFERENCE);
const skipWithoutReference = { skip: haveReference ? false : '../shared/reference is not beside this checkout' };

describe('MotionCor2 stdout (../shared/reference/motioncor2)', skipWithoutReference, () => {
  it('reads the 1.5.0 "Frame (  n) shift:" form of the TIFF run: 40 frames, frame 8 the reference', () => {
    const result = parseMotionCor2Log(read('motioncor2/appion_motioncor2_1.5.0_tiff_30117940.log'));
    assert.equal(result.generation, '1.5');
    assert.equal(result.shifts.length, 40);
    assert.deepEqual(result.shifts[0], { frame: 1, x: -1.18, y: 0.39 });
    assert.deepEqual(result.shifts[7], { frame: 8, x: 0, y: 0 });
    assert.deepEqual(result.shifts[39], { frame: 40, x: 0.25, y: 0.27 });
    assert.equal(result.timings.globalAlignmentSeconds, 0.215968);
    assert.equal(result.timings.totalSeconds, 15.573613);
    assert.ok(result.totalDrift > 5 && result.totalDrift < 20, `total drift ${result.totalDrift}`);
  });

  it('reads the 1.6.4 table and puts back frame 1 (the reference it leaves out) at 0,0', () => {
    const result = parseMotionCor2Log(read('motioncor2/appion_motioncor2_1.6.4_eer_patch5x5.log'));
    assert.equal(result.generation, '1.6');
    assert.equal(result.shifts.length, 16);
    assert.deepEqual(result.shifts[0], { frame: 1, x: 0, y: 0 });
    assert.deepEqual(result.shifts[1], { frame: 2, x: -0.61, y: -2.32 });
    assert.deepEqual(result.shifts[15], { frame: 16, x: -3.79, y: -13.12 });
    assert.equal(result.timings.totalSeconds, 10.766483);
    assert.deepEqual(result.sums, [
      '/tmp/n25jul07b_NY0367G4_00016gr_00016sq_v02_00002hl_00005eer_c.mrc',
      '/tmp/n25jul07b_NY0367G4_00016gr_00016sq_v02_00002hl_00005eer_c_DW.mrc',
      '/tmp/n25jul07b_NY0367G4_00016gr_00016sq_v02_00002hl_00005eer_c_DWS.mrc',
    ]);
  });

  it('gives the same drift for the same EER movie run by 1.5.0 and 1.6.4, whichever frame each took as reference', () => {
    const old = parseMotionCor2Log(read('motioncor2/appion_motioncor2_1.5.0_eer_patch5x5.log'));
    const current = parseMotionCor2Log(read('motioncor2/appion_motioncor2_1.6.4_eer_patch5x5.log'));
    assert.equal(old.shifts.length, 16);
    assert.deepEqual(old.shifts[8], { frame: 9, x: 0, y: 0 });
    // The trajectories differ by a constant offset only, so their lengths agree closely.
    assert.ok(Math.abs(old.totalDrift - current.totalDrift) < 1.5, `${old.totalDrift} vs ${current.totalDrift}`);
  });

  it('does not take the patch tables that follow for frame shifts', () => {
    const result = parseMotionCor2Log(read('motioncor2/appion_motioncor2_1.5.0_eer_patch5x5.log'));
    assert.ok(result.shifts.every((s, i) => s.frame === i + 1));
  });

  it('every reference log parses', () => {
    for (const file of readdirSync(new URL('motioncor2/', REFERENCE)).filter((f) => f.endsWith('.log'))) {
      assert.ok(parseMotionCor2Log(read(`motioncor2/${file}`)).shifts.length > 0, file);
    }
  });
});

describe('MotionCor2 failures', () => {
  it('a log without full-frame shifts is a failure, not an empty result', () => {
    assert.throws(() => parseMotionCor2Log('GPU 0 memory: 8107 MB\nCUDA error: out of memory\n'), MotionLogError);
  });
});

describe('CTFFIND4 output (../shared/reference/ctffind4)', skipWithoutReference, () => {
  it('reads the 7 columns of a RELION-run CTFFIND 4.1.14 result', () => {
    const result = parseCtffindResults(read('ctffind4/relion_ctffind4.1.14_20170629_00021_frameImage_PS.txt'));
    assert.deepEqual(result, {
      version: '4.1.14',
      defocus1: 37034.929688,
      defocus2: 35846.542969,
      azimuth: -14.849661,
      phaseShift: 0,
      crossCorrelation: 0.017465,
      fitResolution: 9.554261,
    });
  });

  it('reads a phase-shift search result (radians in column 5)', () => {
    const result = parseCtffindResults(read('ctffind4/aspire_ctffind4.1.14_phaseshift_diagnostic_output.txt'));
    assert.equal(result.phaseShift, 0.035256);
    assert.equal(result.fitResolution, 1.980663);
    assert.equal(result.defocus1, 9982.50293);
  });

  it('a run that left only the header is a clear failure', () => {
    assert.throws(() => parseCtffindResults(read('ctffind4/relion_ctffind4.1.14_FAILED_header_only_PS.txt')), (error: Error) => {
      assert.ok(error instanceof CtfOutputError);
      assert.match(error.message, /only its header/);
      return true;
    });
  });

  it('reads _avrot.txt: 6 profiles of equal length after the header', () => {
    const avrot = parseCtffindAvrot(read('ctffind4/relion_ctffind4.1.14_20170629_00021_frameImage_PS_avrot.txt'));
    assert.ok(avrot.points > 100);
    assert.equal(avrot.maxFrequency, 0.505185);
  });

  const answers = ctffindAnswers(
    { micrograph: '/x/m.mrc', diagnostic: '/x/m_ctffind4.mrc', imaging: { pixelSize: 1.06, voltageKv: 300, csMm: 2.7 } },
    { amplitudeContrast: 0.1, boxSize: 512, minResolution: 30, maxResolution: 5, minDefocus: 5000, maxDefocus: 50000, defocusStep: 500, astigmatismTolerance: 100 },
  );
  /** Replays a captured conversation the way the program writes it: it stops after each question's colon. */
  function questionsOf(capture: string): string[] {
    const reader = new CtffindPromptReader();
    const [banner, ...rest] = capture.split(/(?=Input image file name)/);
    const conversation = rest.join('').split('File name:')[0]!;
    return [banner!, ...conversation.split(/(?<=\s: )/)].flatMap((piece) => reader.feed(piece));
  }

  it('finds each question of the scripted reference run (and no banner line) and answers it by its text', () => {
    const questions = questionsOf(read('ctffind4/relion_ctffind4.1.14_20170629_00021_frameImage_PS_ctffind4.log'));
    assert.equal(questions.length, 18);
    const asked = new Map(questions.map((q) => [q.trim(), answerCtffind(q, answers)]));
    assert.equal(asked.get('Input image file name'), '/x/m.mrc');
    assert.equal(asked.get('Pixel size'), '1.06');
    assert.equal(asked.get('Spherical aberration'), '2.7');
    assert.equal(asked.get('Expected (tolerated) astigmatism'), '100');
    assert.equal(asked.get('Find additional phase shift?'), 'no');
  });

  it('joins an interactive question wrapped over two lines with its [default]', () => {
    const questions = questionsOf(read('ctffind4/aspire_ctffind4.1.14_interactive_stdout.txt'));
    assert.equal(questions.length, 24);
    assert.match(questions[1]!, /^Output diagnostic image file name \[diagnostic_output\.mrc\]/);
    assert.equal(answerCtffind(questions[1]!, answers), '/x/m_ctffind4.mrc');
    assert.equal(answerCtffind(questions[4]!, answers), '2.7');
  });

  it('reads what CTFFIND prints after its last question as output, even split at a colon ("Summary of results : ")', () => {
    const conversation = new CtffindConversation(answers);
    assert.deepEqual(conversation.feed(`${'Do you want to set expert options?'.padEnd(51)}: `), ['no']);
    assert.deepEqual(conversation.feed('no\n\nEstimated defocus values        : 12000.00 , 11800.00 Angstroms\n'), []);
    assert.deepEqual(conversation.feed('Summary of results                          : '), []);
  });

  it('a question it has no answer for stops the conversation with the question in the message', () => {
    assert.throws(() => answerCtffind('Use the new tilt estimation?', []), CtffindConversationError);
  });
});

describe('CTFFIND5 5.0.2 (questions and columns from cisTEM src/programs/ctffind/ctffind.cpp)', () => {
  it('accepts the extra columns (tilt axis, tilt, thickness) and an "inf" fit resolution', () => {
    const result = parseCtffindResults('# header\n1.000000 12000.0 11800.0 30.0 0.0 0.12 inf 85.0 12.5 1450.0\n');
    assert.equal(result.fitResolution, Infinity);
    assert.equal(result.tiltAxis, 85);
    assert.equal(result.tilt, 12.5);
    assert.equal(result.thickness, 1450);
  });

  it('reads its zeros as not fitted: no tilt or thickness when not asked, no fit resolution when the fit failed', () => {
    const result = parseCtffindResults('# header\n1.000000 12000.0 11800.0 30.0 0.0 0.12 0.000000 0.0 0.0 0.0\n');
    assert.equal(result.fitResolution, Infinity);
    assert.equal(result.tilt, undefined);
    assert.equal(result.thickness, undefined);
  });

  const CTFFIND5_QUESTIONS = [
    'Input image file name', 'Input is a movie (stack of frames)', 'Number of frames to average together', 'Output diagnostic image file name',
    'Pixel size', 'Acceleration voltage', 'Spherical aberration', 'Amplitude contrast', 'Size of amplitude spectrum to compute',
    'Minimum resolution', 'Maximum resolution', 'Minimum defocus', 'Maximum defocus', 'Defocus search step',
    'Do you know what astigmatism is present?', 'Slower, more exhaustive search?', 'Use a restraint on astigmatism?',
    'Expected (tolerated) astigmatism', 'Find additional phase shift?', 'Determine sample tilt?', 'Determine samnple thickness?',
    'Use brute force 1D search?', 'Use 2D refinement?', 'Low resolution limit for nodes', 'High resolution limit for nodes',
    'Use rounded square for nodes?', 'Downweight nodes?', 'Do you want to set expert options?',
  ];

  it('answers its new questions (sample tilt, thickness as it spells it, and the thickness fit\'s follow-ups) from the settings', () => {
    const settings = { amplitudeContrast: 0.07, boxSize: 512, minResolution: 30, maxResolution: 5, minDefocus: 5000, maxDefocus: 50000, defocusStep: 500, astigmatismTolerance: 100 };
    const job = { micrograph: '/x/m.mrc', diagnostic: '/x/m_ctffind4.mrc', imaging: { pixelSize: 1.06, voltageKv: 300, csMm: 2.7 } };
    const reader = new CtffindPromptReader();
    const questions = CTFFIND5_QUESTIONS.flatMap((q) => reader.feed(`${q.padEnd(51)}: `));
    assert.equal(questions.length, CTFFIND5_QUESTIONS.length);
    const off = questions.map((q) => answerCtffind(q, ctffindAnswers(job, settings)));
    assert.deepEqual(off.slice(19, 21), ['no', 'no']);
    const on = new Map(questions.map((q) => [q.trim(), answerCtffind(q, ctffindAnswers(job, { ...settings, sampleTilt: true, sampleThickness: true }))]));
    assert.equal(on.get('Determine sample tilt?'), 'yes');
    assert.equal(on.get('Determine samnple thickness?'), 'yes');
    assert.equal(on.get('High resolution limit for nodes'), '3.0');
    assert.equal(on.get('Downweight nodes?'), 'no');
  });
});

describe('Gctf log (format per ../shared/reference/gctf/FORMAT.md)', () => {
  const esc = '\u001b';
  const log = [
    'CS[mm], HT[kV], AmpCnst, XMAG, DStep[um]',
    '2.70   300.00   0.10   10000.00   1.06',
    'Cycle: 12',
    '**************************************   LAST CYCLE    *****',
    '   Defocus_U   Defocus_V       Angle         CCC',
    `${esc}[1;31m 15321.44${esc}[0m  ${esc}[1;31m 15012.07${esc}[0m  ${esc}[1;31m 43.79${esc}[0m  ${esc}[1;31m 0.104218${esc}[0m    Final Values`,
    `Resolution limit estimated by EPA: ${esc}[1;31m3.464${esc}[0m`,
    'Estimated Bfactor: 78.53',
    'OVERALL_VALIDATION_SCORE: 17',
    'Processing done successfully.',
  ].join('\n');

  it('reads Final Values and the EPA limit through the colour codes', () => {
    const result = parseGctfLog(log);
    assert.equal(result.defocus1, 15321.44);
    assert.equal(result.defocus2, 15012.07);
    assert.equal(result.azimuth, 43.79);
    assert.equal(result.crossCorrelation, 0.104218);
    assert.equal(result.phaseShift, 0);
    assert.equal(result.fitResolution, 3.464);
    assert.equal(result.bfactor, 78.53);
    assert.equal(result.validationScore, 17);
  });

  it('reads the phase-shift form (7 words) and an EPA line with a trailing word', () => {
    const result = parseGctfLog('15321.44 15012.07 43.79 90.00 0.104218 Final Values\nResolution limit estimated by EPA: 3.9 A\n');
    assert.ok(Math.abs(result.phaseShift - Math.PI / 2) < 1e-9);
    assert.equal(result.crossCorrelation, 0.104218);
    assert.equal(result.fitResolution, 3.9);
  });

  it('a log without Final Values is a failure', () => {
    assert.throws(() => parseGctfLog('Cycle: 1\nCUDA error\n'), CtfOutputError);
  });
});

describe("RELION's STAR files", () => {
  it('finds the sum and per-movie STAR file in corrected_micrographs.star', () => {
    const list = `\n# version 30001\n\ndata_optics\n\nloop_ \n_rlnVoltage #1 \n  300.000000 \n \n\n# version 30001\n\ndata_micrographs\n\nloop_ \n_rlnMicrographName #1 \n_rlnMicrographMetadata #2 \n_rlnOpticsGroup #3 \n_rlnAccumMotionTotal #4 \n/out/x_frames.mrc /out/x_frames.star            1    17.816110 \n \n`;
    assert.deepEqual(parseRelionMicrographList(list), { sum: '/out/x_frames.mrc', star: '/out/x_frames.star' });
  });

  it('reads the data_global_shift loop', () => {
    const star = `\n# version 30001\n\ndata_general\n\n_rlnImageSizeZ 3\n\n# version 30001\n\ndata_global_shift\n\nloop_ \n_rlnMicrographFrameNumber #1 \n_rlnMicrographShiftX #2 \n_rlnMicrographShiftY #3 \n           1     0.000000     0.000000 \n           2     -0.83906     0.521624 \n           3     -1.62676     1.020956 \n \n\n# version 30001\n\ndata_hot_pixels\n\nloop_ \n_rlnCoordinateX #1 \n_rlnCoordinateY #2 \n  187.000000    41.000000 \n`;
    const result = parseRelionMotionStar(star, '/out/m.mrc');
    assert.deepEqual(result.shifts, [
      { frame: 1, x: 0, y: 0 },
      { frame: 2, x: -0.83906, y: 0.521624 },
      { frame: 3, x: -1.62676, y: 1.020956 },
    ]);
    assert.equal(result.generation, 'relion');
    assert.ok(Math.abs(result.totalDrift - 1.9) < 0.05);
  });
});
