import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The shipper's own diagnostics: structured JSON on stderr, never mixed with records on stdout. */
export function createLogger(level: LogLevel): Logger {
  return pino(
    { level, base: { app: 'logship' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ fd: 2, sync: true }),
  );
}
