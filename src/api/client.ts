import { Pool } from 'undici';
import type { z } from 'zod';
import { Mail2TicketError } from '../errors.js';
import { type Logger, scrubSecrets, silentLogger } from '../logger.js';
import {
  type TicketEntity,
  type TicketMessageEntity,
  type TicketMessageRequest,
  TicketMessageResponseSchema,
  TicketSchema,
} from '../schema/entity.js';
import { type AuthOptions, type AuthProvider, createAuth } from './auth.js';
import { splitBaseUrl } from './base-url.js';
import type { ApiConfig } from './config-schema.js';
import { ApiError, certainlyNotSent, httpError, transportError } from './errors.js';
import { findPath, type MessageMatch, messageIdVariants, parseMatches, parseSlimInt } from './odata.js';
import { type Sleep, withRetry } from './retry.js';

export type { MessageMatch };
export { splitBaseUrl };

/** Largest response body read; a ticket message with a big HTML body is a few MB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Idle keep-alive sockets are closed after this; below common load balancer idle timeouts (60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
const USER_AGENT = 'mail2ticket';

export interface ClientOptions extends AuthOptions {
  logger?: Logger;
  /** Test hooks: the retry wait and its jitter. */
  sleep?: Sleep;
  random?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ClientStats {
  requests: number;
  retries: number;
  authRefreshes: number;
}

interface RequestSpec<T> {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: unknown;
  /** GET and PUT are idempotent (PUT replaces); a POST is repeated only when it surely never arrived. */
  idempotent: boolean;
  parse: (json: unknown, what: string) => T;
  signal?: AbortSignal;
}

function validated<S extends z.ZodType>(schema: S) {
  return (json: unknown, what: string): z.infer<S> => {
    const r = schema.safeParse(json);
    if (!r.success) {
      throw new ApiError(
        'E_API_RESPONSE',
        `${what} answered with an unexpected body: ${r.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ')}`,
        { retryable: false },
      );
    }
    return r.data;
  };
}

async function readBody(body: AsyncIterable<Buffer>, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      throw new ApiError('E_API_RESPONSE', `${what} answered with more than ${MAX_RESPONSE_BYTES} bytes`, {
        retryable: false,
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * SuperOffice WebAPI v1 client for the ticket message routes the live flow needs. One undici Pool of
 * keep-alive connections per base URL (the client owns it; share the client, not the URL). Every call
 * takes an AbortSignal; idempotent calls are retried on 429/5xx/resets/timeouts within the retry policy;
 * a 401 triggers one credential refresh and one repeat.
 */
export class SuperOfficeClient {
  readonly stats: ClientStats = { requests: 0, retries: 0, authRefreshes: 0 };
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly log: Logger;
  private closed = false;

  private constructor(
    private readonly cfg: ApiConfig,
    private readonly auth: AuthProvider,
    private readonly opts: ClientOptions,
  ) {
    const { origin, basePath } = splitBaseUrl(cfg.baseUrl);
    this.basePath = basePath;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'api' });
    this.pool = new Pool(origin, {
      connections: cfg.connections,
      connect: { timeout: cfg.timeouts.connectMs },
      headersTimeout: cfg.timeouts.headersMs,
      bodyTimeout: cfg.timeouts.bodyMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    });
  }

  /** Resolves the credentials (E_CONFIG when a variable or file is missing) and opens the pool lazily. */
  static async create(cfg: ApiConfig, opts: ClientOptions = {}): Promise<SuperOfficeClient> {
    const auth = await createAuth(cfg.auth, opts);
    return new SuperOfficeClient(cfg, auth, opts);
  }

  get config(): ApiConfig {
    return this.cfg;
  }

  /**
   * Run a multi-call step (e.g. re-check then POST) under this client's retry policy, so that a step
   * whose fate is unknown is retried as a whole.
   */
  retrying<T>(fn: (attempt: number) => Promise<T>, o: CallOptions = {}): Promise<T> {
    return withRetry(fn, this.cfg.retry, {
      signal: o.signal,
      sleep: this.opts.sleep,
      random: this.opts.random,
      onRetry: ({ err, attempt, delayMs }) => {
        this.stats.retries++;
        this.log.warn({ attempt, delayMs, code: err.code }, err.message);
      },
    });
  }

  /** Secret values to keep out of any text this process prints. */
  secrets(): string[] {
    return this.auth.secrets();
  }

  /**
   * Ticket messages whose MessageId is `messageId`, trying the mail's spelling first, then the other
   * one (with/without angle brackets). Oldest first; empty when none.
   */
  async findTicketMessagesByMessageId(messageId: string, o: CallOptions = {}): Promise<MessageMatch[]> {
    for (const variant of messageIdVariants(messageId)) {
      const matches = await this.request({
        method: 'GET',
        path: findPath(variant),
        idempotent: true,
        parse: (json) => parseMatches(json, variant),
        signal: o.signal,
      });
      if (matches.length > 0) return matches;
    }
    return [];
  }

  getTicketMessage(id: number, o: CallOptions & { select?: string[] } = {}): Promise<TicketMessageEntity> {
    return this.request({
      method: 'GET',
      path: `/api/v1/TicketMessage/${id}${this.query({ select: o.select })}`,
      idempotent: true,
      parse: validated(TicketMessageResponseSchema),
      signal: o.signal,
    });
  }

  /** A new entity with the server's defaults (CreatedBy, Slevel, ...), to fill and POST. */
  getDefaultTicketMessage(o: CallOptions = {}): Promise<TicketMessageEntity> {
    return this.request({
      method: 'GET',
      path: '/api/v1/TicketMessage/default',
      idempotent: true,
      parse: validated(TicketMessageResponseSchema),
      signal: o.signal,
    });
  }

  /** PUT replaces the whole entity: send what GET returned, changed. */
  putTicketMessage(
    id: number,
    entity: TicketMessageRequest,
    o: CallOptions & { select?: string[] } = {},
  ): Promise<TicketMessageEntity> {
    return this.request({
      method: 'PUT',
      path: `/api/v1/TicketMessage/${id}${this.query({ select: o.select, notify: this.cfg.notify })}`,
      body: entity,
      idempotent: true,
      parse: validated(TicketMessageResponseSchema),
      signal: o.signal,
    });
  }

  /**
   * Not idempotent: repeated only when the request surely never reached the server (429, refused
   * connection). Other retryable failures are thrown; the caller re-checks by Message-Id before trying
   * again (see live.ts), so a lost response never creates a duplicate.
   */
  postTicketMessage(entity: TicketMessageRequest, o: CallOptions = {}): Promise<TicketMessageEntity> {
    return this.request({
      method: 'POST',
      path: `/api/v1/TicketMessage${this.query({ notify: this.cfg.notify })}`,
      body: entity,
      idempotent: false,
      parse: validated(TicketMessageResponseSchema),
      signal: o.signal,
    });
  }

  getTicket(id: number, o: CallOptions = {}): Promise<TicketEntity> {
    return this.request({
      method: 'GET',
      path: `/api/v1/Ticket/${id}`,
      idempotent: true,
      parse: validated(TicketSchema),
      signal: o.signal,
    });
  }

  /**
   * The surviving ticket id after merges; undefined for an unknown ticket (the Agents endpoint answers
   * 200 null). A read despite being a POST, so retried like one.
   */
  resolveTicketId(id: number, o: CallOptions = {}): Promise<number | undefined> {
    return this.request({
      method: 'POST',
      path: '/api/v1/Agents/Ticket/ResolveTicketId',
      body: { TicketId: id },
      idempotent: true,
      parse: (json, what) => {
        if (json === null) return undefined;
        const n = parseSlimInt(json);
        if (n === undefined) {
          throw new ApiError('E_API_RESPONSE', `${what} answered with something other than a ticket id`, {
            retryable: false,
          });
        }
        return n > 0 ? n : undefined;
      },
      signal: o.signal,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.close();
  }

  private query(q: { select?: string[]; notify?: boolean }): string {
    const parts: string[] = [];
    if (q.select?.length) parts.push(`$select=${q.select.map(encodeURIComponent).join(',')}`);
    if (q.notify !== undefined) parts.push(`notify=${q.notify}`);
    return parts.length ? `?${parts.join('&')}` : '';
  }

  private baseHeaders(hasBody: boolean): Record<string, string> {
    const h: Record<string, string> = {
      accept: 'application/json',
      'user-agent': USER_AGENT,
      'so-timezone': this.cfg.timeZone,
    };
    if (hasBody) h['content-type'] = 'application/json; charset=utf-8';
    if (this.cfg.language) {
      h['accept-language'] = this.cfg.language;
      h['so-language'] = this.cfg.language;
    }
    if (this.cfg.culture) h['so-culture'] = this.cfg.culture;
    return h;
  }

  private request<T>(spec: RequestSpec<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new ApiError('E_API_ABORTED', 'the API client is closed', { retryable: false }));
    }
    const what = `${spec.method} ${spec.path.split('?')[0]}`;
    return withRetry((attempt) => this.attempt(spec, what, attempt), this.cfg.retry, {
      signal: spec.signal,
      sleep: this.opts.sleep,
      random: this.opts.random,
      shouldRetry: spec.idempotent ? undefined : (err) => err instanceof ApiError && certainlyNotSent(err),
      onRetry: ({ err, attempt, delayMs }) => {
        this.stats.retries++;
        this.log.warn(
          { method: spec.method, path: spec.path, attempt, delayMs, code: err.code },
          err.message,
        );
      },
    });
  }

  /** One attempt, including the single refresh-and-repeat after a 401. */
  private async attempt<T>(spec: RequestSpec<T>, what: string, attempt: number): Promise<T> {
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    for (let refreshed = false; ; refreshed = true) {
      this.stats.requests++;
      let status: number;
      let text: string;
      let retryAfter: string | string[] | undefined;
      try {
        const res = await this.pool.request({
          path: this.basePath + spec.path,
          method: spec.method,
          headers: { ...this.baseHeaders(body !== undefined), ...this.auth.headers() },
          body,
          signal: spec.signal,
        });
        status = res.statusCode;
        retryAfter = res.headers['retry-after'];
        text = await readBody(res.body, what);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw transportError(what, err, spec.signal);
      }
      this.log.debug({ method: spec.method, path: spec.path, status, attempt }, 'api call');
      if (status === 401 && !refreshed) {
        await this.refreshAuth(what, spec.signal);
        continue;
      }
      if (status < 200 || status > 299) throw httpError(what, status, text, retryAfter, this.auth.secrets());
      let json: unknown = null;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          throw new ApiError('E_API_RESPONSE', `${what} answered ${status} with a body that is not JSON`, {
            status,
            retryable: false,
          });
        }
      }
      return spec.parse(json, what);
    }
  }

  private async refreshAuth(what: string, signal: AbortSignal | undefined): Promise<void> {
    this.stats.authRefreshes++;
    this.log.info({ scheme: this.auth.scheme }, 'credentials rejected (401); refreshing them once');
    try {
      await this.auth.refresh(signal);
    } catch (err) {
      const msg = err instanceof Mail2TicketError ? err.message : String(err);
      throw new ApiError(
        'E_API_AUTH',
        `${what} answered 401 and refreshing the credentials failed: ${scrubSecrets(msg, this.auth.secrets())}`,
        { status: 401, retryable: false },
      );
    }
  }
}
