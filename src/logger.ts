import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths redacted from every log line. Secrets travel in config objects (api.auth, mailbox auth),
 * in HTTP headers and in error details; pino's redaction replaces them before serialisation.
 */
export const REDACT_PATHS = [
  'password',
  'pass',
  'token',
  'accessToken',
  'refreshToken',
  'appToken',
  'ticket',
  'secret',
  'authorization',
  'Authorization',
  '*.password',
  '*.pass',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.appToken',
  '*.secret',
  '*.authorization',
  '*.Authorization',
  '*.ticket',
  'headers.authorization',
  'headers["so-apptoken"]',
  'headers["SO-AppToken"]',
  '*.headers.authorization',
  '*.headers["so-apptoken"]',
  'auth.*',
  '*.auth.*',
];

export interface LoggerOptions {
  level?: string;
  /** Pretty output (for a terminal); JSON otherwise. */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const base = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: undefined,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2 } } });
  }
  return pino(base, pino.destination(2));
}

let silent: Logger | undefined;
/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  // One instance: making a pino logger costs (it looks up its callers, builds its stream), and the
  // live flow asks for one per mail when no logger is given.
  silent ??= pino({ level: 'silent' });
  return silent;
}

/** Remove any known secret value from a string (for error messages built from foreign text). */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  }
  return out;
}
