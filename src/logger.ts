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
