import { pino } from 'pino';

/**
 * JSON lines (journald/systemd friendly) on stdout, or appended to LOG_FILE when set (the demo keeps its
 * terminal for the status line). LOG_LEVEL=debug for more.
 */
export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // A config or connection object logged one day must not carry its secrets into journald.
    redact: {
      paths: ['password', '*.password', 'apiKey', '*.apiKey', 'operatorToken', '*.operatorToken', '*.leginondb.url', '*.bufferdb.url', 'leginondb.url', 'bufferdb.url'],
      censor: '[secret]',
    },
  },
  process.env.LOG_FILE ? pino.destination({ dest: process.env.LOG_FILE, mkdir: true, append: true }) : undefined,
);

export type Logger = typeof logger;

/** File lists in a log line: whole when short, else the first few and a count (a DE folder is 100,000 files). */
export function filesForLog(files: string[]): string[] {
  const shown = 5;
  return files.length <= shown ? files : [...files.slice(0, shown), `... and ${files.length - shown} more`];
}
