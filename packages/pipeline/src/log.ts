import { redactUrl } from '@capstream/core';
import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stderr (stdout belongs to command output). Query strings are cut from
 * any `url` field, so a SAS token can never reach a log line.
 */
export function createLogger(name: string, level = process.env.CAPSTREAM_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name,
      level,
      redact: {
        paths: ['*.sas', '*.sig', '*.token', '*.password', 'headers.authorization'],
        censor: '[redacted]',
      },
      formatters: {
        log(obj) {
          if (typeof obj.url === 'string') obj.url = withoutQuery(obj.url);
          return obj;
        },
      },
    },
    pino.destination(2),
  );
}

/** A URL as it may be shown and stored: no query string, no fragment, no user info. */
export const withoutQuery = redactUrl;

/** A logger that drops everything, for tests and quiet CLI runs. */
export const silentLogger: Logger = pino({ level: 'silent' });
