/**
 * Runs an external program (MotionCor2, CTFFIND, Gctf, RELION) from an activity: argv only, never a shell;
 * stdout and stderr kept in a log file beside the outputs; heartbeats while it runs so a dead worker is noticed;
 * killed when the activity is cancelled or times out.
 */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { execa } from 'execa';
import type { Place } from '../src/copy.js';
import { heartbeatWhile, throwIfCancelled } from './progress.js';

export interface ToolRun {
  executable: string;
  args: string[];
  cwd?: string;
  /** Where the program's stdout and stderr go (appended, with the command line first). */
  logFile: Place;
  /** Called with each stdout chunk; may write to the program's stdin (CTFFIND's questions). */
  onStdout?: (chunk: string, answer: (line: string) => void) => void;
}

export class ToolFailedError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'ToolFailedError';
  }
}


/** Runs the program to its end; returns its stdout. A non-zero exit is a ToolFailedError naming the log. */
export async function runTool(run: ToolRun): Promise<string> {
  const context = Context.current();
  const log = (await run.logFile.root.openForAppend(run.logFile.path)).createWriteStream();
  log.write(`$ ${[run.executable, ...run.args].map(quoteForLog).join(' ')}\n`);
  const child = execa(run.executable, run.args, {
    cwd: run.cwd,
    stdin: run.onStdout ? 'pipe' : 'ignore',
    reject: false,
    cancelSignal: context.cancellationSignal,
    forceKillAfterDelay: 5_000,
    buffer: false,
    encoding: 'utf8',
  });
  let stdout = '';
  let conversationError: unknown;
  const answer = (line: string) => {
    log.write(`${line}\n`);
    child.stdin?.write(`${line}\n`);
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stdout += text;
    log.write(text);
    try {
      run.onStdout?.(text, answer);
    } catch (error) {
      // A question we cannot answer: stop the program rather than leave it waiting on stdin.
      conversationError ??= error;
      child.kill();
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  try {
    const result = await heartbeatWhile(child);
    throwIfCancelled(context);
    if (conversationError) throw conversationError;
    if (result.failed) {
      const why = result.exitCode !== undefined ? `exit code ${result.exitCode}` : (result.signal ?? result.shortMessage);
      throw new ToolFailedError(`${path.basename(run.executable)} failed (${why}); its output is in ${run.logFile.path}`, stdout);
    }
    return stdout;
  } finally {
    await new Promise((resolve) => log.end(resolve));
  }
}

const quoteForLog = (arg: string) => (/^[\w./:=@+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
