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
  /** The tenant is not serving its API (maintenance, suspended): `GET /api/state/{tenant}`. */
  | 'E_API_UNAVAILABLE'
  | 'E_UNMATCHED'
  | 'E_NO_TICKET'
  // IMAP / daemon
  | 'E_IMAP'
  | 'E_STATE'
  /** This instance no longer holds the mailbox's lease (src/daemon/lease.ts): the write was refused. */
  | 'E_LEASE_LOST'
  // daemon quarantine reasons
  | 'E_TOO_MANY_ATTEMPTS'
  | 'E_PROCESS'
  | 'E_DEFERRED'
  | 'E_QUARANTINED';

/**
 * Whose problem an error is (issue 13 §2). `mail`: this mail cannot be applied as it is (a 400 on
 * its entity, a payload the schema rejects); retrying or quarantining it is about the mail. `api`:
 * the API or our configuration of it is at fault (the collection routes answer 404, 401/403, the
 * host does not resolve, TLS fails): it says nothing about the mail, so the mail is held where it
 * is, never quarantined, and the whole run (replay) or all API work (daemon) waits for the API.
 */
export type ErrorScope = 'mail' | 'api';

export interface Mail2TicketErrorOptions {
  retryable?: boolean;
  /** Default `mail`. */
  scope?: ErrorScope;
  /** For `api` faults: the configuration setting to check first (`api.baseUrl`, `api.auth`, ...). */
  setting?: string;
  status?: number;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class Mail2TicketError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly scope: ErrorScope;
  readonly setting: string | undefined;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: Mail2TicketErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'Mail2TicketError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.scope = options.scope ?? 'mail';
    this.setting = options.setting;
    this.status = options.status;
    this.details = options.details;
  }

  toJSON(): Pick<Mail2TicketError, 'code' | 'message' | 'retryable'> &
    Partial<Pick<Mail2TicketError, 'scope' | 'setting'>> & { status?: number } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.status === undefined ? {} : { status: this.status }),
      // Only the exception is spelled out: results of mail-scope errors look as they always did.
      ...(this.scope === 'api' ? { scope: this.scope } : {}),
      ...(this.setting === undefined ? {} : { setting: this.setting }),
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
  Partial<Pick<Mail2TicketError, 'retryable' | 'scope' | 'setting'>> & {
    code: Mail2TicketError['code'] | (string & {});
  };

/** True for an error (or its summary) that is the API's or the configuration's fault, not the mail's. */
export function isApiFault(err: { scope?: ErrorScope } | undefined | null): boolean {
  return err?.scope === 'api';
}

export function isMail2TicketError(err: unknown): err is Mail2TicketError {
  return err instanceof Mail2TicketError;
}

/** A one-line description of any thrown value, without a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
