import { type ErrorCode, type ErrorScope, Mail2TicketError } from '../errors.js';
import { scrubSecrets } from '../logger.js';
import { ApiErrorBodySchema } from '../schema/entity.js';

/**
 * Statuses worth another try: rate limiting and transient server/gateway failures. 408 is the
 * server giving up on a slow request. Everything else (400 bad entity, 404 unknown id, 409 a failed
 * JSON Patch test, 412 changed since If-Unmodified-Since) fails the same way every time.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** The longest piece of a non-JSON error body quoted in a message. */
const MAX_QUOTED_BODY_CHARS = 300;

/** An error from the SuperOffice API: HTTP status, SuperOffice's ErrorType/ErrorMessage, retry hint. */
export class ApiError extends Mail2TicketError {
  readonly errorType: string | undefined;
  readonly errorMessage: string | undefined;
  /** From Retry-After, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: {
      status?: number;
      retryable: boolean;
      errorType?: string;
      errorMessage?: string;
      retryAfterMs?: number;
      cause?: unknown;
      scope?: ErrorScope;
      setting?: string;
    },
  ) {
    super(code, message, {
      retryable: opts.retryable,
      ...(opts.scope ? { scope: opts.scope } : {}),
      ...(opts.setting ? { setting: opts.setting } : {}),
      status: opts.status,
      cause: opts.cause,
      details: {
        ...(opts.errorType ? { errorType: opts.errorType } : {}),
        ...(opts.errorMessage ? { errorMessage: opts.errorMessage } : {}),
      },
    });
    this.name = 'ApiError';
    this.errorType = opts.errorType;
    this.errorMessage = opts.errorMessage;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * Retry-After is delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds, or
 * undefined when absent or unparsable (then the client's own backoff applies).
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const date = Date.parse(s);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * What a 404 on a route says. `entity`: a route naming one record (`/TicketMessage/4711`), where a
 * 404 is that record being gone, the mail's business. `collection`: a route that exists on every
 * SuperOffice (`/TicketMessage?$filter=`, `/Agents/...`, `/TicketMessage/default`): a 404 there
 * means the base URL does not lead to the API (issue 13 §2: "404 on the collection routes").
 */
export type RouteKind = 'entity' | 'collection';

/** The settings an API fault points at (issue 13 §2: one line naming the setting to check). */
export const FAULT_SETTINGS = {
  url: 'api.baseUrl',
  auth: 'api.auth',
  tenant: 'api.tenant',
} as const;

/**
 * Whose fault a non-2xx answer is. 401 (left after the one refresh) and 403 are the credentials;
 * a 404 on a collection route is the URL. Everything else is about the request (400, 409, 412,
 * an entity's 404) or transient (429, 5xx: retried, and a streak is judged by a probe, see gate.ts).
 */
function statusScope(status: number, route: RouteKind): { scope: ErrorScope; setting?: string } {
  if (status === 401 || status === 403) return { scope: 'api', setting: FAULT_SETTINGS.auth };
  if (status === 404 && route === 'collection') return { scope: 'api', setting: FAULT_SETTINGS.url };
  // A redirect: the URL leads somewhere else (http -> https, a login portal, a moved tenant).
  if (status >= 300 && status < 400) return { scope: 'api', setting: FAULT_SETTINGS.url };
  return { scope: 'mail' };
}

/** Build the error for a non-2xx answer. `what` is e.g. "PUT /api/v1/TicketMessage/12". */
export function httpError(
  what: string,
  status: number,
  bodyText: string,
  retryAfter: string | string[] | undefined,
  secrets: readonly string[],
  route: RouteKind = 'entity',
): ApiError {
  let errorType: string | undefined;
  let errorMessage: string | undefined;
  try {
    const parsed = ApiErrorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) {
      errorType = parsed.data.ErrorType ?? undefined;
      errorMessage = parsed.data.ErrorMessage ?? undefined;
      // Agents endpoints answer { Message, MessageDetail } instead.
      const m = (parsed.data as Record<string, unknown>).Message;
      if (!errorMessage && typeof m === 'string') errorMessage = m;
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): quote a short piece below.
  }
  if (errorType) errorType = scrubSecrets(errorType, secrets);
  if (errorMessage) errorMessage = scrubSecrets(errorMessage, secrets);
  const code: ErrorCode =
    status === 401 || status === 403 ? 'E_API_AUTH' : status === 404 ? 'E_API_NOT_FOUND' : 'E_API_HTTP';
  const quoted = errorMessage
    ? `${errorType ? `${errorType}: ` : ''}${errorMessage}`
    : scrubSecrets(bodyText.replace(/\s+/g, ' ').trim().slice(0, MAX_QUOTED_BODY_CHARS), secrets);
  const { scope, setting } = statusScope(status, route);
  const hint = setting ? ` (check ${setting})` : '';
  return new ApiError(code, `${what} answered ${status}${quoted ? `: ${quoted}` : ''}${hint}`, {
    status,
    scope,
    ...(setting ? { setting } : {}),
    retryable: RETRYABLE_STATUSES.has(status),
    errorType,
    errorMessage,
    retryAfterMs: parseRetryAfter(retryAfter),
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Failures before the server could have seen the request: safe to retry even a POST. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * Failures to reach the API at all: the host does not resolve or refuses, TLS cannot be set up.
 * They say nothing about the mail (issue 13 §2). A reset or a slow answer on an open connection
 * stays the request's (retried; a streak of them is judged by a probe, src/api/gate.ts).
 */
const UNREACHABLE_CODES = new Set([
  ...NOT_SENT_CODES,
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function isUnreachable(code: string): boolean {
  return UNREACHABLE_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');
}

/** Map a transport failure (undici or socket) to the error family. */
export function transportError(what: string, err: unknown, signal: AbortSignal | undefined): ApiError {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  if (signal?.aborted || e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') {
    return new ApiError('E_API_ABORTED', `${what} was aborted`, { retryable: false });
  }
  const code = e?.code ?? e?.cause?.code ?? 'unknown';
  if (TIMEOUT_CODES.has(code)) {
    // No connection within connectMs is the host's fault; a slow answer may be this request's.
    const unreachable = isUnreachable(code);
    return new ApiError(
      'E_API_TIMEOUT',
      `${what} timed out (${code})${unreachable ? ` (check ${FAULT_SETTINGS.url})` : ''}`,
      {
        retryable: true,
        cause: err,
        ...(unreachable ? { scope: 'api' as const, setting: FAULT_SETTINGS.url } : {}),
      },
    );
  }
  if (isUnreachable(code)) {
    return new ApiError('E_API_NETWORK', `${what} failed: ${code} (check ${FAULT_SETTINGS.url})`, {
      retryable: true,
      cause: err,
      scope: 'api',
      setting: FAULT_SETTINGS.url,
    });
  }
  return new ApiError('E_API_NETWORK', `${what} failed: ${code}`, { retryable: true, cause: err });
}

/** True when the request certainly never reached the server (a non-idempotent call may be repeated). */
export function certainlyNotSent(err: ApiError): boolean {
  if (err.status === 429) return true;
  const cause = err.cause as { code?: string; cause?: { code?: string } } | undefined;
  const code = cause?.code ?? cause?.cause?.code;
  return code !== undefined && NOT_SENT_CODES.has(code);
}
