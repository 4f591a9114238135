import pino, { type Logger } from 'pino';
import type { LogLevel } from './config';

export type { Logger };

/** JSON lines on stdout: one object per event, ISO timestamps, the service name on every line. */
export function createLogger(level: LogLevel, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'gridhub', pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Credentials never reach the log, whatever object a caller passes.
    redact: {
      paths: ['*.password', '*.authorization', 'req.headers.authorization', 'req.headers.cookie'],
      censor: '***',
    },
  });
}
