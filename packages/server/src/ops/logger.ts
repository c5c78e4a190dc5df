import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Tokens, secrets, passwords and message text never reach the log: the
 * redaction list is a safety net, and call sites log ids and sizes rather than payloads.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'presence' },
    redact: {
      paths: [
        'token',
        '*.token',
        'secret',
        '*.secret',
        'password',
        '*.password',
        'text',
        '*.text',
        'authorization',
        '*.authorization',
        'turnSecret',
        '*.turnSecret',
        'credential',
        '*.credential',
      ],
      censor: '[redacted]',
    },
  });
}
