import { pino } from 'pino';

/** JSON lines on stdout (journald/systemd friendly); LOG_LEVEL=debug for more. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = typeof logger;
