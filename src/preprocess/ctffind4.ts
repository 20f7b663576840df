/**
 * CTFFIND4 and CTFFIND5: a conversation, then two output files. CTFFIND asks its questions on stdin; which
 * questions, and in which order, depends on its version and on the input (a movie adds two; CTFFIND5 5.0.x asks
 * whether to determine sample tilt and thickness, the latter spelt "samnple" in 5.0.2, with six follow-ups when
 * yes). Each question is answered by matching its text, never by position. Results: `<out>.txt` (5 '#' header
 * lines, then one row per micrograph: 7 columns, CTFFIND5 10) and `<out>_avrot.txt` (5 header lines, then 6
 * lines per micrograph).
 */
import type { ImagingParameters } from './imaging.js';
import type { CtfResult } from './results.js';

export interface CtfSettings {
  amplitudeContrast: number;
  boxSize: number;
  minResolution: number;
  maxResolution: number;
  minDefocus: number;
  maxDefocus: number;
  defocusStep: number;
  astigmatismTolerance: number;
  phaseShift?: { min: number; max: number; step: number };
  /** CTFFIND5 only: fit the tilt axis and angle (it asks only without a phase-shift search). */
  sampleTilt?: boolean;
  /** CTFFIND5 only: fit the sample thickness from the CTF's nodes. */
  sampleThickness?: boolean;
}

export interface CtfJob {
  /** The motion-corrected sum. */
  micrograph: string;
  /** Diagnostic image; the results are `<diagnostic without extension>.txt` and `_avrot.txt`. */
  diagnostic: string;
  imaging: ImagingParameters;
}

/** Answers by question, matched on the text before the colon (defaults in brackets are ignored). */
export function ctffindAnswers(job: CtfJob, settings: CtfSettings): [RegExp, string][] {
  const yesNo = (flag: boolean) => (flag ? 'yes' : 'no');
  const phase = settings.phaseShift;
  return [
    [/^input image file name/i, job.micrograph],
    [/^input is a movie/i, 'no'],
    [/^number of frames to average/i, '1'],
    [/^output diagnostic (image )?file ?name/i, job.diagnostic],
    [/^pixel size/i, String(job.imaging.pixelSize)],
    [/^acceleration voltage/i, String(job.imaging.voltageKv)],
    [/^spherical aberration/i, String(job.imaging.csMm)],
    [/^amplitude contrast/i, String(settings.amplitudeContrast)],
    [/^size of amplitude spectrum/i, String(settings.boxSize)],
    [/^minimum resolution/i, String(settings.minResolution)],
    [/^maximum resolution/i, String(settings.maxResolution)],
    [/^minimum defocus/i, String(settings.minDefocus)],
    [/^maximum defocus/i, String(settings.maxDefocus)],
    [/^defocus search step/i, String(settings.defocusStep)],
    [/^do you know what astigmatism is present/i, 'no'],
    [/^slower, more exhaustive search/i, 'no'],
    [/^use a restraint on astigmatism/i, 'yes'],
    [/^expected \(tolerated\) astigmatism/i, String(settings.astigmatismTolerance)],
    [/^find additional phase shift/i, yesNo(phase !== undefined)],
    [/^minimum phase shift/i, String(phase?.min ?? 0)],
    [/^maximum phase shift/i, String(phase?.max ?? 3.15)],
    [/^phase shift search step/i, String(phase?.step ?? 0.1)],
    [/^determine sample tilt/i, yesNo(settings.sampleTilt ?? false)],
    [/^determine sa\w*ple thickness/i, yesNo(settings.sampleThickness ?? false)],
    // The thickness fit's follow-ups, answered with CTFFIND5's own defaults.
    [/^use brute force 1d search/i, 'yes'],
    [/^use 2d refinement/i, 'yes'],
    [/^low resolution limit for nodes/i, '30.0'],
    [/^high resolution limit for nodes/i, '3.0'],
    [/^use rounded square for nodes/i, 'no'],
    [/^downweight nodes/i, 'no'],
    [/^do you want to set expert options/i, 'no'],
  ];
}

export class CtffindConversationError extends Error {}

/**
 * The answer to one question. `question` is the text CTFFIND printed up to the colon, possibly over two lines
 * (interactive mode wraps long questions and puts the default on the next line, in brackets).
 */
export function answerCtffind(question: string, answers: [RegExp, string][]): string {
  const text = question.replace(/\[[^\]]*\]/g, ' ').replace(/\s+/g, ' ').trim();
  const answer = answers.find(([pattern]) => pattern.test(text));
  if (!answer) throw new CtffindConversationError(`CTFFIND asked a question this server has no answer for: "${text}"`);
  return answer[1];
}

/**
 * Watches CTFFIND's stdout and returns each question once the program stops at it: output that ends in a line
 * reaching its colon (": ") with nothing after it. Banner lines such as "Version : 4.1.14" arrive whole and are
 * not questions; an echoed answer completes the line and is not a question again.
 */
export class CtffindPromptReader {
  private text = '';

  /** Feeds stdout; returns the question now waiting for an answer, if the output stopped at one. */
  feed(chunk: string): string[] {
    this.text = (this.text + chunk).split('\n').slice(-2).join('\n');
    const [previousLine = '', line = ''] = this.text.includes('\n') ? this.text.split('\n') : ['', this.text];
    if (!/\s:\s?$/.test(line)) return [];
    // Answered: the next chunk starts a fresh line of its own.
    this.text = '';
    const question = line.replace(/\s*:\s?$/, '');
    // "[default]   :" alone on its line belongs to the question on the line before (interactive mode wraps).
    return [/^\s*\[/.test(question) ? `${previousLine} ${question}` : question];
  }
}

/**
 * One run's conversation: each question CTFFIND stops at, answered. It ends once "Do you want to set expert
 * options?" is answered no (CTFFIND's last question then), so that result lines printed after it, such as
 * "Summary of results : <file>" reaching a chunk's end at its colon, are never taken for questions.
 */
export class CtffindConversation {
  private readonly reader = new CtffindPromptReader();
  private over = false;

  constructor(private readonly answers: [RegExp, string][]) {}

  /** Feeds stdout; returns the answers to write, one per question it stopped at. */
  feed(chunk: string): string[] {
    if (this.over) return [];
    return this.reader.feed(chunk).map((question) => {
      const answer = answerCtffind(question, this.answers);
      if (/^do you want to set expert options/i.test(question.trim()) && answer === 'no') this.over = true;
      return answer;
    });
  }
}

export class CtfOutputError extends Error {}

export function parseCtffindResults(text: string): CtfResult {
  const lines = text.split(/\r?\n/);
  const version = /Output from CTFFind version\s+([\w.-]+)/i.exec(text)?.[1];
  const rows = lines.filter((line) => line.trim() && !line.startsWith('#'));
  if (rows.length === 0) {
    throw new CtfOutputError('CTFFIND wrote only its header and no result: the fit did not run to the end (see its log)');
  }
  const fields = rows[0]!.trim().split(/\s+/);
  if (fields.length < 7) throw new CtfOutputError(`CTFFIND result row has ${fields.length} columns, expected at least 7`);
  const number = (i: number) => {
    const raw = fields[i]!;
    if (/^[+]?inf(inity)?$/i.test(raw)) return Infinity;
    const value = Number(raw);
    if (Number.isNaN(value)) throw new CtfOutputError(`CTFFIND result column ${i + 1} is not a number: "${raw}"`);
    return value;
  };
  const result: CtfResult = {
    version,
    defocus1: number(1),
    defocus2: number(2),
    azimuth: number(3),
    phaseShift: number(4),
    crossCorrelation: number(5),
    // CTFFIND5 writes 0 where 4.1.14 writes inf: no Thon rings fit.
    fitResolution: number(6) > 0 ? number(6) : Infinity,
  };
  // CTFFIND5: #8 tilt axis angle, #9 tilt angle, #10 sample thickness (Å); zeros where it was not asked to fit them.
  if (fields.length >= 10) {
    if (number(7) !== 0 || number(8) !== 0) Object.assign(result, { tiltAxis: number(7), tilt: number(8) });
    if (number(9) > 0) result.thickness = number(9);
  }
  return result;
}

export interface RotationalAverage {
  /** Points per profile. */
  points: number;
  /** Spatial frequency range covered, 1/Å. */
  maxFrequency: number;
}

/** `_avrot.txt`: 5 header lines, then 6 lines per micrograph (frequency, two averages, fit, CC, 2σ). */
export function parseCtffindAvrot(text: string): RotationalAverage {
  const rows = text.split(/\r?\n/).filter((line) => line.trim() && !line.startsWith('#'));
  if (rows.length < 6) throw new CtfOutputError(`CTFFIND's _avrot.txt has ${rows.length} data lines, expected 6`);
  const frequencies = rows[0]!.trim().split(/\s+/).map(Number);
  if (rows.slice(1, 6).some((row) => row.trim().split(/\s+/).length !== frequencies.length)) {
    throw new CtfOutputError("CTFFIND's _avrot.txt profiles differ in length");
  }
  return { points: frequencies.length, maxFrequency: frequencies.at(-1)! };
}
