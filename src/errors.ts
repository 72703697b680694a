/**
 * One error family for the whole tool, modelled on undici's: every error has a stable `code`
 * that tests, logs and the NDJSON output can rely on, and a `retryable` flag that tells the
 * caller whether trying the same thing again later can succeed.
 */
export type ErrorCode =
  // input (a mail that cannot become a payload)
  | 'E_MAIL_EMPTY'
  | 'E_MAIL_TOO_LARGE'
  | 'E_HEADER_TOO_LARGE'
  | 'E_MIME_TOO_DEEP'
  | 'E_MIME_TOO_MANY_PARTS'
  | 'E_MIME_MALFORMED'
  | 'E_PARSE_TIMEOUT'
  | 'E_MAP_INVALID'
  | 'E_SOURCE_READ'
  // configuration and usage
  | 'E_CONFIG'
  | 'E_USAGE'
  // API
  | 'E_API_HTTP'
  | 'E_API_NETWORK'
  | 'E_API_TIMEOUT'
  | 'E_API_AUTH'
  | 'E_API_RESPONSE'
  | 'E_API_NOT_FOUND'
  | 'E_API_ABORTED'
  | 'E_UNMATCHED'
  | 'E_NO_TICKET'
  // IMAP / daemon
  | 'E_IMAP'
  | 'E_STATE'
  // daemon quarantine reasons
  | 'E_TOO_MANY_ATTEMPTS'
  | 'E_PROCESS'
  | 'E_DEFERRED'
  | 'E_QUARANTINED';

export interface Mail2TicketErrorOptions {
  retryable?: boolean;
  status?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class Mail2TicketError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: Mail2TicketErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Mail2TicketError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.details = options.details;
  }

  toJSON(): Pick<Mail2TicketError, 'code' | 'message' | 'retryable'> & { status?: number } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
    };
  }
}

/**
 * An error as results, logs and quarantine records carry it: the `code`, `message` and `retryable`
 * of a Mail2TicketError as plain data (`toJSON()` gives one). `retryable` may be left out (false).
 * `code` is also open to the code of a value thrown from elsewhere (an errno such as ENOENT), which
 * the daemon reports as it came.
 */
export type ErrorSummary = Pick<Mail2TicketError, 'message'> &
  Partial<Pick<Mail2TicketError, 'retryable'>> & { code: Mail2TicketError['code'] | (string & {}) };

export function isMail2TicketError(err: unknown): err is Mail2TicketError {
  return err instanceof Mail2TicketError;
}

/** A one-line description of any thrown value, without a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
