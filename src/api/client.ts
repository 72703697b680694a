import { AsyncResource } from 'node:async_hooks';
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
import {
  ApiError,
  certainlyNotSent,
  FAULT_SETTINGS,
  httpError,
  parseRetryAfter,
  type RouteKind,
  transportError,
} from './errors.js';
import { FindBatcher } from './find-batch.js';
import {
  archivePage,
  findPath,
  type MessageMatch,
  messageIdVariants,
  parseMatches,
  parseSlimInt,
} from './odata.js';
import { type Sleep, withRetry } from './retry.js';
import { resolveTenant } from './tenant.js';
import { AimdWindow, HeldSlot } from './window.js';

export type { MessageMatch };
export { splitBaseUrl };

/** Largest response body read; a ticket message with a big HTML body is a few MB. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Idle keep-alive sockets are closed after this; below common load balancer idle timeouts (60 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000;
const USER_AGENT = 'mail2ticket';

/**
 * A Message-Id no mail has: the lookup for it is the cheapest question that needs the URL, the
 * credentials and the archive route to be right (config check, and the gate's probe in gate.ts).
 */
export const PROBE_MESSAGE_ID = '<mail2ticket-probe@mail2ticket.invalid>';

export interface ClientOptions extends AuthOptions {
  logger?: Logger;
  now?: () => number;
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
  /** ResolveTicketId answers served from the per-run cache. */
  resolveCacheHits: number;
  /** Times the AIMD window was halved on a 429 or 5xx. */
  windowDecreases: number;
}

export interface RequestSpec<T> {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: unknown;
  /** A streamed body instead of JSON (file content): opened anew for every attempt. */
  stream?: { open(): NodeJS.ReadableStream; contentType: string; length: number };
  /** GET and PUT are idempotent (PUT replaces); a POST is repeated only when it surely never arrived. */
  idempotent: boolean;
  /** What a 404 (or a non-JSON 200) says: the record is gone, or the URL is wrong (errors.ts). */
  route: RouteKind;
  parse: (json: unknown, what: string) => T;
  signal?: AbortSignal;
  /** A window slot acquired for this request (used once: a retry waits for a slot of its own). */
  slot?: HeldSlot;
}

interface Target {
  baseUrl: string;
  origin: string;
  basePath: string;
  pool: Pool;
  /** Tenant endpoints only: when to ask the state service again. */
  validUntil?: number;
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

/** What the flow reads from a PUT or POST answer: the saved message's id and its ticket. */
export type SavedTicketMessage = TicketMessageEntity & { EjMessageId: number };

/**
 * The answer to a PUT or POST: only EjMessageId and Ticket.TicketId are read from it (live.ts asks
 * for just those with $select), so only those are checked, and the rest is passed on unread. The
 * whole-entity schema (about 0.1 ms a mail, measured) is kept for the GET whose answer is sent back.
 */
function parseSaved(json: unknown, what: string): SavedTicketMessage {
  const o = json as Record<string, unknown> | null;
  const id =
    typeof o === 'object' && o !== null && !Array.isArray(o) ? parseSlimInt(o.EjMessageId) : undefined;
  const ticket = o?.Ticket as Record<string, unknown> | null | undefined;
  const ticketId =
    ticket == null ? null : typeof ticket === 'object' ? parseSlimInt(ticket.TicketId) : undefined;
  if (id === undefined || ticketId === undefined) {
    throw new ApiError(
      'E_API_RESPONSE',
      `${what} answered with an unexpected body: ${id === undefined ? 'EjMessageId' : 'Ticket.TicketId'} is not a number`,
      { retryable: false },
    );
  }
  return {
    ...o,
    EjMessageId: id,
    Ticket: ticket == null ? ticket : { ...ticket, TicketId: ticketId },
  } as SavedTicketMessage;
}

/**
 * Answers an Online tenant's old host may give once SuperOffice has moved it elsewhere (undocumented,
 * so every plausible one): a redirect, 421 Misdirected Request (RFC 9110 §15.5.20), a 404 (for the
 * whole tenant, so on an entity route too: the state service tells a moved tenant from a vanished
 * record), or a server error.
 */
function movedAway(status: number): boolean {
  return (status >= 300 && status < 400) || status === 421 || status === 404 || status >= 500;
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
  readonly stats: ClientStats = {
    requests: 0,
    retries: 0,
    authRefreshes: 0,
    resolveCacheHits: 0,
    windowDecreases: 0,
  };
  /** Requests in flight, adapted to the server (AIMD on 429/5xx), at most `api.concurrency`. */
  readonly window: AimdWindow;
  private target: Target | undefined;
  private resolving: Promise<Target> | undefined;
  /** Set after a connection failure: an Online tenant may have moved, ask the state service again. */
  private stale = false;
  private readonly log: Logger;
  private closed = false;
  /**
   * ResolveTicketId per ticket, for the run (issue 13 §3: a merge during a run is rare, and the
   * answer only steers where a reply goes). Tickets the API just saved a message on are alive.
   */
  private readonly resolved = new Map<number, Promise<number | undefined>>();
  /** The server's defaults for a new message: the same for every POST of the run. */
  private defaults: Promise<TicketMessageEntity> | undefined;
  /**
   * How this tenant was last seen to store a Message-Id (SuperOffice does not document it): as the
   * mail writes it, or always with / always without angle brackets. Decides which spelling is asked
   * first; the other is still asked when the first finds nothing.
   */
  private storedSpelling: 'as-written' | 'bracketed' | 'bare' | undefined;
  /** The async context the client was made in (see currentTarget). */
  private readonly home = new AsyncResource('mail2ticket.api-client');

  private constructor(
    private readonly cfg: ApiConfig,
    private readonly auth: AuthProvider,
    private readonly opts: ClientOptions,
  ) {
    this.log = (opts.logger ?? silentLogger()).child({ component: 'api' });
    this.window = new AimdWindow(cfg.concurrency, {
      clock: { now: () => this.now(), ...(opts.sleep ? { sleep: opts.sleep } : {}) },
    });
    if (cfg.baseUrl !== undefined) this.target = this.openTarget(cfg.baseUrl);
  }

  /** One keep-alive pool per tenant root, sized for the mails in flight. */
  private openTarget(baseUrl: string, validUntil?: number): Target {
    const { origin, basePath } = splitBaseUrl(baseUrl);
    const pool = new Pool(origin, {
      connections: Math.max(this.cfg.connections, this.cfg.concurrency),
      connect: { timeout: this.cfg.timeouts.connectMs },
      headersTimeout: this.cfg.timeouts.headersMs,
      bodyTimeout: this.cfg.timeouts.bodyMs,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    });
    return { baseUrl, origin, basePath, pool, ...(validUntil === undefined ? {} : { validUntil }) };
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The tenant root to talk to: fixed by `baseUrl`, or asked of the state service (`tenant`). */
  private async currentTarget(signal: AbortSignal | undefined): Promise<Target> {
    const t = this.target;
    if (this.cfg.tenant === undefined) return t!;
    if (t && !this.stale && (t.validUntil === undefined || this.now() < t.validUntil)) return t;
    // Shared work runs in the client's own context, not in that of whichever mail asked first:
    // its log lines ("tenant endpoint") belong to no one mail (issue 17, daemon-pipeline.ts).
    this.resolving ??= this.home.runInAsyncScope(async () => {
      try {
        const ep = await resolveTenant(this.cfg, { ...(signal ? { signal } : {}), now: () => this.now() });
        this.stale = false;
        const old = this.target;
        if (old && old.baseUrl === ep.baseUrl) {
          old.validUntil = ep.validUntil;
          return old;
        }
        this.log.info({ tenant: this.cfg.tenant, endpoint: ep.baseUrl, state: ep.state }, 'tenant endpoint');
        this.target = this.openTarget(ep.baseUrl, ep.validUntil);
        // Requests still on the old host finish there; close() waits for them.
        old?.pool.close().catch(() => {});
        return this.target;
      } finally {
        this.resolving = undefined;
      }
    });
    return this.resolving;
  }

  /** Where requests go now (for messages and `config check`); undefined before a tenant resolved. */
  get baseUrl(): string | undefined {
    return this.target?.baseUrl;
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
   * Ticket messages whose MessageId is `messageId`: the spelling this tenant was last seen to store
   * first (as the mail writes it, or always with / without angle brackets), then the other one. So
   * a mail found at all is found with one request, not one per spelling. Oldest first. With more
   * than one mail in flight, lookups that meet go in one request (src/api/find-batch.ts).
   */
  findTicketMessagesByMessageId(messageId: string, o: CallOptions = {}): Promise<MessageMatch[]> {
    if (this.cfg.concurrency > 1 && this.cfg.batchLookups) return this.finder.find(messageId, o.signal);
    return this.findOne(messageId, o.signal);
  }

  /** The lookup batcher's view of this client. */
  private readonly finder = new FindBatcher({
    slot: async (priority) => new HeldSlot(await this.window.acquire(undefined, false, priority)),
    single: (messageId, signal, slot) => this.findOne(messageId, signal, slot),
    variants: (messageId) => this.spellings(messageId),
    rows: (path, signal, slot) =>
      this.request({
        method: 'GET',
        path,
        idempotent: true,
        route: 'collection',
        parse: (json) => {
          const page = archivePage(json);
          return { rows: page.rows ?? [], more: page.more };
        },
        signal,
        slot,
      }),
    learned: (messageId, match, variant) => this.learn(messageId, match, variant),
    off: (reason) => this.log.warn({ reason }, 'looking up Message-Ids one mail at a time from now on'),
  });

  /** `messageId`'s spellings, the one this tenant was last seen to store first. */
  private spellings(messageId: string): string[] {
    const variants = messageIdVariants(messageId);
    const prefer = this.storedSpelling;
    if (prefer !== 'bracketed' && prefer !== 'bare') return variants;
    const first = (v: string) => v.startsWith('<') === (prefer === 'bracketed');
    return [...variants.filter(first), ...variants.filter((v) => !first(v))];
  }

  private learn(messageId: string, match: MessageMatch, variant: string): void {
    const written = messageId.trim().startsWith('<');
    const stored = (match.messageId ?? variant).trim().startsWith('<');
    this.storedSpelling = stored === written ? 'as-written' : stored ? 'bracketed' : 'bare';
  }

  /** One mail's lookup; its first request goes in `slot` when one is held for it. */
  private async findOne(
    messageId: string,
    signal: AbortSignal | undefined,
    slot?: HeldSlot,
  ): Promise<MessageMatch[]> {
    for (const variant of this.spellings(messageId)) {
      const matches = await this.request({
        method: 'GET',
        path: findPath(variant),
        idempotent: true,
        route: 'collection',
        parse: (json) => parseMatches(json, variant),
        signal,
        ...(slot ? { slot } : {}),
      });
      if (matches.length > 0) {
        this.learn(messageId, matches[0]!, variant);
        return matches;
      }
    }
    return [];
  }

  /**
   * One cheap question that needs the URL, the credentials and the archive route to be right: the
   * Message-Id lookup for an id no mail has. Throws what the API answered (an ApiError).
   */
  async probe(o: CallOptions = {}): Promise<void> {
    const what = PROBE_MESSAGE_ID;
    await this.request({
      method: 'GET',
      path: findPath(what),
      idempotent: true,
      route: 'collection',
      parse: (json) => {
        if (!archivePage(json).rows) {
          throw new ApiError(
            'E_API_RESPONSE',
            `GET /api/v1/TicketMessage answered without an archive list: this URL is not the SuperOffice API (check ${FAULT_SETTINGS.url})`,
            { retryable: false, scope: 'api', setting: FAULT_SETTINGS.url },
          );
        }
        return undefined;
      },
      signal: o.signal,
    });
  }

  /** A ticket the API just saved a message on exists and is not merged away: no need to ask. */
  noteTicketAlive(ticketId: number): void {
    if (!this.resolved.has(ticketId)) this.resolved.set(ticketId, Promise.resolve(ticketId));
  }

  getTicketMessage(id: number, o: CallOptions & { select?: string[] } = {}): Promise<TicketMessageEntity> {
    return this.request({
      method: 'GET',
      path: `/api/v1/TicketMessage/${id}${this.query({ select: o.select })}`,
      idempotent: true,
      route: 'entity',
      parse: validated(TicketMessageResponseSchema),
      signal: o.signal,
    });
  }

  /** A new entity with the server's defaults (CreatedBy, Slevel, ...), to fill and POST; asked once a run. */
  getDefaultTicketMessage(o: CallOptions = {}): Promise<TicketMessageEntity> {
    this.defaults ??= this.request({
      method: 'GET',
      path: '/api/v1/TicketMessage/default',
      idempotent: true,
      route: 'collection',
      parse: validated(TicketMessageResponseSchema),
      signal: o.signal,
    });
    const asked = this.defaults;
    // A failed answer is not kept: the next mail asks again.
    asked.catch(() => {
      if (this.defaults === asked) this.defaults = undefined;
    });
    return asked.then((d) => structuredClone(d));
  }

  /** PUT replaces the whole entity: send what GET returned, changed. */
  putTicketMessage(
    id: number,
    entity: TicketMessageRequest,
    o: CallOptions & { select?: string[] } = {},
  ): Promise<SavedTicketMessage> {
    return this.request({
      method: 'PUT',
      path: `/api/v1/TicketMessage/${id}${this.query({ select: o.select, notify: this.cfg.notify })}`,
      body: entity,
      idempotent: true,
      route: 'entity',
      parse: parseSaved,
      signal: o.signal,
    });
  }

  /**
   * Not idempotent: repeated only when the request surely never reached the server (429, refused
   * connection). Other retryable failures are thrown; the caller re-checks by Message-Id before trying
   * again (see live.ts), so a lost response never creates a duplicate.
   */
  postTicketMessage(entity: TicketMessageRequest, o: CallOptions = {}): Promise<SavedTicketMessage> {
    return this.request({
      method: 'POST',
      path: `/api/v1/TicketMessage${this.query({ notify: this.cfg.notify })}`,
      body: entity,
      idempotent: false,
      route: 'collection',
      parse: parseSaved,
      signal: o.signal,
    });
  }

  getTicket(id: number, o: CallOptions = {}): Promise<TicketEntity> {
    return this.request({
      method: 'GET',
      path: `/api/v1/Ticket/${id}`,
      idempotent: true,
      route: 'entity',
      parse: validated(TicketSchema),
      signal: o.signal,
    });
  }

  /**
   * The surviving ticket id after merges; undefined for an unknown ticket (the Agents endpoint answers
   * 200 null). A read despite being a POST, so retried like one.
   */
  resolveTicketId(id: number, o: CallOptions = {}): Promise<number | undefined> {
    const known = this.resolved.get(id);
    if (known) {
      this.stats.resolveCacheHits++;
      return known;
    }
    const asked = this.askResolveTicketId(id, o);
    this.resolved.set(id, asked);
    // Failures are not kept: the next mail asks again.
    asked.catch(() => {
      if (this.resolved.get(id) === asked) this.resolved.delete(id);
    });
    return asked;
  }

  private askResolveTicketId(id: number, o: CallOptions): Promise<number | undefined> {
    return this.request({
      method: 'POST',
      path: '/api/v1/Agents/Ticket/ResolveTicketId',
      body: { TicketId: id },
      idempotent: true,
      route: 'collection',
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
    await this.target?.pool.close();
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

  /**
   * One call of a route this class has no method for (src/api/attachments.ts), under the same
   * retry, window, auth and error handling as every other call.
   */
  call<T>(spec: RequestSpec<T>): Promise<T> {
    return this.request(spec);
  }

  private request<T>(spec: RequestSpec<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new ApiError('E_API_ABORTED', 'the API client is closed', { retryable: false }));
    }
    const what = `${spec.method} ${spec.path.split('?')[0]}`;
    // Set when an answer carried Retry-After: withRetry waits it out before the next attempt.
    const waited = { retryAfter: false };
    return withRetry((attempt) => this.attempt(spec, what, attempt, waited), this.cfg.retry, {
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
  private async attempt<T>(
    spec: RequestSpec<T>,
    what: string,
    attempt: number,
    waited: { retryAfter: boolean },
  ): Promise<T> {
    const jsonBody = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    let refreshed = false;
    let rerouted = false;
    for (;;) {
      const headers = { ...this.baseHeaders(jsonBody !== undefined), ...this.auth.headers() };
      if (spec.stream) {
        headers['content-type'] = spec.stream.contentType;
        headers['content-length'] = String(spec.stream.length);
      }
      const target = await this.currentTarget(spec.signal);
      let status: number;
      let text: string;
      let retryAfter: string | string[] | undefined;
      // A slot the caller already holds (a batched lookup formed when it got one) serves the first try.
      const held = spec.slot?.take();
      const ticket = held ?? (await this.window.acquire(spec.signal, waited.retryAfter));
      waited.retryAfter = false;
      // A file's content is opened per attempt (a stream is read once) and closed whatever happens.
      const stream = spec.stream?.open();
      try {
        this.stats.requests++;
        const res = await target.pool.request({
          path: target.basePath + spec.path,
          method: spec.method,
          headers,
          body: (stream ?? jsonBody) as string | undefined,
          signal: spec.signal,
        });
        status = res.statusCode;
        retryAfter = res.headers['retry-after'];
        text = await readBody(res.body, what);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        const e = transportError(what, err, spec.signal);
        // An Online tenant that cannot be reached may have moved: ask the state service again, and
        // repeat there what may be repeated (a POST whose fate is unknown is re-checked by live.ts).
        if (e.scope === 'api' && this.cfg.tenant !== undefined) {
          const mayRepeat = spec.idempotent || certainlyNotSent(e);
          if (!rerouted && mayRepeat && (await this.moved(target, spec.signal))) {
            rerouted = true;
            continue;
          }
          this.stale = true;
        }
        throw e;
      } finally {
        ticket.release();
        (stream as { destroy?: () => void } | undefined)?.destroy?.();
      }
      this.log.debug({ method: spec.method, path: spec.path, status, attempt }, 'api call');
      if (status === 429 || status >= 500) {
        const pause = parseRetryAfter(retryAfter, this.now());
        if (pause !== undefined) waited.retryAfter = true;
        this.window.congestion(status === 429 ? 'rate-limit' : 'server-error', ticket.epoch, pause);
        this.stats.windowDecreases = this.window.decreases;
      } else this.window.success(ticket.epoch);
      if (
        !rerouted &&
        this.cfg.tenant !== undefined &&
        spec.idempotent &&
        movedAway(status) &&
        (await this.moved(target, spec.signal))
      ) {
        rerouted = true;
        continue;
      }
      if (status === 401 && !refreshed) {
        refreshed = true;
        await this.refreshAuth(what, spec.signal);
        continue;
      }
      if (status < 200 || status > 299)
        throw httpError(what, status, text, retryAfter, this.auth.secrets(), spec.route);
      let json: unknown = null;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          // On a route every SuperOffice has, a page that is not JSON (a portal's login page, a web
          // server's index) means the URL leads somewhere else: the configuration, not the mail.
          const wrongPlace = spec.route === 'collection';
          throw new ApiError(
            'E_API_RESPONSE',
            `${what} answered ${status} with a body that is not JSON${wrongPlace ? ` (check ${FAULT_SETTINGS.url})` : ''}`,
            {
              status,
              retryable: false,
              ...(wrongPlace ? { scope: 'api' as const, setting: FAULT_SETTINGS.url } : {}),
            },
          );
        }
      }
      return spec.parse(json, what);
    }
  }

  /**
   * Ask the state service again, now: true when the tenant has moved away from `from` (the next
   * request goes to the new host). Throws the state service's own fault (maintenance, unreachable).
   */
  private async moved(from: Target, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.target === from) this.stale = true;
    const now = await this.currentTarget(signal);
    if (now.baseUrl !== from.baseUrl) {
      this.log.info({ from: from.baseUrl, to: now.baseUrl }, 'tenant moved; repeating on its new host');
      return true;
    }
    return false;
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
        `${what} answered 401 and refreshing the credentials failed: ${scrubSecrets(msg, this.auth.secrets())} (check ${FAULT_SETTINGS.auth})`,
        { status: 401, retryable: false, scope: 'api', setting: FAULT_SETTINGS.auth },
      );
    }
  }
}
