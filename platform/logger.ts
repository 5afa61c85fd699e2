import pino, { type Logger } from 'pino';

export type { Logger };

/** A JSON logger (pino) named for its process part. `level` is pino's: `info` by default, `silent` in tests. */
export function createLogger(name: string, level = 'info'): Logger {
  return pino({ name, level, redact: ['req.headers.authorization', '*.password', '*.token'] });
}
