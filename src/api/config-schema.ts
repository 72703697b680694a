import { z } from 'zod';
import { secretRefSchema } from '../secrets.js';
import { baseUrlProblem, NOT_HTTP_URL } from './base-url.js';

/**
 * `api` section. Owned by the api module.
 *
 * Secrets (password, SOTicket, bearer token, app token) are never required to sit in the file: each
 * can be `{ "env": "NAME" }` (read from the environment), `{ "file": "/run/secrets/x" }` (read from a
 * file, trailing newline dropped) or a literal string. They are resolved by src/secrets.ts (called from
 * src/api/auth.ts) when the client is built, and re-read on a 401 (a rotated file or variable is
 * picked up without a restart).
 */

export { type SecretRef, secretRefSchema } from '../secrets.js';

const appToken = secretRefSchema.optional();

const basicAuth = z
  .object({ scheme: z.literal('basic'), user: secretRefSchema, password: secretRefSchema, appToken })
  .strict();
const soTicketAuth = z.object({ scheme: z.literal('soticket'), ticket: secretRefSchema, appToken }).strict();
const bearerAuth = z
  .object({
    scheme: z.literal('bearer'),
    token: secretRefSchema.optional(),
    /** Prints a fresh access token on stdout (argv form, no shell). Run at start and after a 401. */
    tokenCommand: z.array(z.string().min(1)).min(1).optional(),
    /** A file that some other process keeps filled with a fresh access token. Re-read after a 401. */
    tokenFile: z.string().min(1).optional(),
    appToken,
  })
  .strict()
  .refine((a) => [a.token, a.tokenCommand, a.tokenFile].filter((x) => x !== undefined).length === 1, {
    message: 'bearer auth needs exactly one of token, tokenCommand, tokenFile',
  });

export const apiAuthSchema = z.discriminatedUnion('scheme', [basicAuth, soTicketAuth, bearerAuth]);
export type ApiAuthConfig = z.infer<typeof apiAuthSchema>;

export const DEFAULT_RETRY = {
  /** Attempts per request, the first included. */
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  /** Wall-clock budget for one request with all its retries; past it the mail is deferred. */
  maxTotalMs: 60_000,
} as const;

export const DEFAULT_TIMEOUTS = {
  connectMs: 10_000,
  /** Until the response headers arrive (SuperOffice Online can take seconds on a cold tenant). */
  headersMs: 60_000,
  /** Between two body chunks. */
  bodyMs: 60_000,
} as const;

export const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(50).default(DEFAULT_RETRY.maxAttempts),
    baseDelayMs: z.number().int().min(0).max(60_000).default(DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: z.number().int().min(0).max(600_000).default(DEFAULT_RETRY.maxDelayMs),
    maxTotalMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_RETRY.maxTotalMs),
  })
  .strict()
  .refine((r) => r.maxDelayMs >= r.baseDelayMs, { message: 'maxDelayMs must be >= baseDelayMs' });
export type RetryConfig = z.infer<typeof retrySchema>;

export const timeoutsSchema = z
  .object({
    connectMs: z.number().int().min(1).max(600_000).default(DEFAULT_TIMEOUTS.connectMs),
    headersMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_TIMEOUTS.headersMs),
    bodyMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_TIMEOUTS.bodyMs),
  })
  .strict();
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;

export const ON_UNMATCHED = ['defer', 'create', 'skip'] as const;
export type OnUnmatched = (typeof ON_UNMATCHED)[number];

/** An HTTP header value: visible ASCII and spaces only (no CR/LF smuggling). */
const headerValue = z.string().regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');

/** Mails in flight against the API at once, by default (issue 13 §3). */
export const DEFAULT_CONCURRENCY = 8;
export const MAX_CONCURRENCY = 64;

/** SuperOffice Online environments: `sod` (development), `stage`, `online` (production). */
export const ENVIRONMENTS = ['sod', 'stage', 'online'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

const httpUrl = z.url({ protocol: /^https?$/, error: NOT_HTTP_URL });

export const apiConfigSchema = z
  .object({
    /**
     * Where the API is, as the official clients take it: `https://sod.superoffice.com/Cust12345/api`
     * (Onsite `https://host/SuperOffice/api`). The tenant root (`.../Cust12345`) and `.../api/v1`
     * name the same API and are accepted too, with or without a trailing slash (src/api/base-url.ts);
     * a query string, a fragment or a path inside the API is refused. Leave it out for Online with
     * `tenant`.
     */
    baseUrl: z
      .url({ protocol: /^https?$/, error: NOT_HTTP_URL })
      .superRefine((url, ctx) => {
        const problem = baseUrlProblem(url);
        // z.url has reported a URL that is not one already.
        if (problem && problem !== NOT_HTTP_URL) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /**
     * SuperOffice Online: the tenant (`Cust12345`). Its endpoint is asked of
     * `GET {stateUrl}/api/state/{tenant}` and followed when SuperOffice moves the tenant.
     */
    tenant: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a tenant id such as Cust12345')
      .optional(),
    /** With `tenant`: which Online environment (`https://{environment}.superoffice.com`). */
    environment: z.enum(ENVIRONMENTS).optional(),
    /** With `tenant`: where the state service is, instead of `https://{environment}.superoffice.com`. */
    stateUrl: httpUrl.optional(),
    /** Mails worked on against the API at once (replay and each daemon mailbox). */
    concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).default(DEFAULT_CONCURRENCY),
    /**
     * With concurrency above 1: Message-Id lookups waiting for the same request slot go as one OR
     * filter (src/api/find-batch.ts). `false` looks up every mail alone, for a tenant whose archive
     * search is known to misread such filters in a way the client cannot see.
     */
    batchLookups: z.boolean().default(true),
    auth: apiAuthSchema,
    /** Sent as Accept-Language and SO-Language (iso2 code); omitted when unset. */
    language: headerValue.optional(),
    /** SO-Culture (number and date formatting); SuperOffice ignores it without a language. */
    culture: headerValue.optional(),
    /** SO-TimeZone: with includeTZOffset, dates in responses carry an offset instead of none. */
    timeZone: headerValue.default('UTC, includeTZOffset'),
    onUnmatched: z.enum(ON_UNMATCHED).default('defer'),
    /** `?notify=` on PUT/POST; omitted when unset (server default). */
    notify: z.boolean().optional(),
    /** Keep-alive connections in the pool for this base URL. */
    connections: z.number().int().min(1).max(64).default(4),
    retry: retrySchema.default(retrySchema.parse({})),
    timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.baseUrl === undefined && a.tenant === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['baseUrl'],
        message: 'required (or give tenant and environment)',
      });
    }
    if (a.baseUrl !== undefined && a.tenant !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['tenant'], message: 'give either baseUrl or tenant, not both' });
    }
    if (a.tenant !== undefined && a.environment === undefined && a.stateUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['environment'],
        message: `required with tenant: one of ${ENVIRONMENTS.join(', ')}`,
      });
    }
    for (const key of ['environment', 'stateUrl'] as const) {
      if (a[key] !== undefined && a.tenant === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'only used with tenant' });
      }
    }
  });
export type ApiConfig = z.infer<typeof apiConfigSchema>;
