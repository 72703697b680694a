import { request } from 'undici';
import { describeError } from '../errors.js';
import type { ApiConfig } from './config-schema.js';
import { ApiError, FAULT_SETTINGS, transportError } from './errors.js';

/**
 * SuperOffice Online moves tenants between hosts (sod2 -> sod3) for load balancing and during
 * incidents. `GET https://{environment}.superoffice.com/api/state/{tenant}` says where a tenant is
 * and whether its API is up (../shared/superoffice-api.md, "Base URL"):
 *   { ContextIdentifier, Endpoint, State, IsRunning, ValidUntil, Api }
 * `Endpoint` is the tenant root; `ValidUntil` says when to ask again. Maintenance and suspension are
 * a hold (an API-scope fault that the gate waits out), never a reason to fail a mail.
 */

/** States whose API serves requests (IsRunning is true for exactly these, per the documentation). */
export const SERVING_STATES: ReadonlySet<string> = new Set(['Running', 'OnlineMaintenance']);
/** Ask again at least this often, whatever ValidUntil says (an Endpoint may change during an incident). */
export const MAX_STATE_TTL_MS = 3_600_000;
/** And not more often than this, even when ValidUntil is in the past (clock skew). */
export const MIN_STATE_TTL_MS = 30_000;
/** Largest state answer read. */
const MAX_STATE_BYTES = 64 * 1024;

export interface TenantEndpoint {
  /** The tenant root to send API requests to (`https://sod2.superoffice.com/Cust12345`). */
  baseUrl: string;
  state: string;
  /** When to ask again (epoch ms). */
  validUntil: number;
}

/** `{stateUrl or https://{environment}.superoffice.com}/api/state/{tenant}`. */
export function stateUrlFor(cfg: Pick<ApiConfig, 'tenant' | 'environment' | 'stateUrl'>): string {
  const base = (cfg.stateUrl ?? `https://${cfg.environment}.superoffice.com`).replace(/\/+$/, '');
  return `${base}/api/state/${encodeURIComponent(cfg.tenant ?? '')}`;
}

function fault(message: string, setting: string, retryable: boolean, status?: number): ApiError {
  return new ApiError(retryable ? 'E_API_UNAVAILABLE' : 'E_API_NOT_FOUND', `${message} (check ${setting})`, {
    retryable,
    scope: 'api',
    setting,
    ...(status === undefined ? {} : { status }),
  });
}

/** Ask the state service where the tenant is; API-scope errors for everything that goes wrong. */
export async function resolveTenant(
  cfg: Pick<ApiConfig, 'tenant' | 'environment' | 'stateUrl' | 'timeouts'>,
  opts: { signal?: AbortSignal; now?: () => number } = {},
): Promise<TenantEndpoint> {
  const url = stateUrlFor(cfg);
  const where = cfg.stateUrl ? 'api.stateUrl' : 'api.environment';
  const what = `GET ${url}`;
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: 'GET',
      headers: { accept: 'application/json', 'user-agent': 'mail2ticket' },
      headersTimeout: cfg.timeouts.headersMs,
      bodyTimeout: cfg.timeouts.bodyMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    status = res.statusCode;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += c.length;
      if (size > MAX_STATE_BYTES) break;
      chunks.push(c);
    }
    text = Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    const e = transportError(what, err, opts.signal);
    if (e.code === 'E_API_ABORTED') throw e;
    throw new ApiError(e.code, `${e.message.replace(/ \(check [^)]*\)$/, '')} (check ${where})`, {
      retryable: true,
      scope: 'api',
      setting: where,
      cause: err,
    });
  }
  if (status === 404)
    throw fault(`${what} answered 404: no tenant "${cfg.tenant}" there`, FAULT_SETTINGS.tenant, false, 404);
  if (status < 200 || status > 299) throw fault(`${what} answered ${status}`, where, true, status);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body !== 'object' || body === null) throw new Error('not an object');
  } catch (err) {
    throw fault(
      `${what} answered with something other than a tenant state (${describeError(err)})`,
      where,
      true,
    );
  }
  const state = typeof body.State === 'string' ? body.State : String(body.State ?? 'Unknown');
  const serving = body.IsRunning === true || SERVING_STATES.has(state);
  if (!serving) {
    throw fault(
      `tenant ${cfg.tenant} is ${state}: SuperOffice says its API is unavailable; mail is held until it runs again`,
      FAULT_SETTINGS.tenant,
      true,
    );
  }
  const endpoint = typeof body.Endpoint === 'string' ? body.Endpoint : undefined;
  const apiUrl = typeof body.Api === 'string' ? body.Api : undefined;
  // Endpoint is the tenant root; Api is `${Endpoint}/api`. Either names the same API.
  const baseUrl = endpoint ?? apiUrl?.replace(/\/api\/?$/i, '');
  if (!baseUrl || !/^https?:\/\//i.test(baseUrl)) {
    throw fault(`${what} answered without an Endpoint for tenant ${cfg.tenant}`, FAULT_SETTINGS.tenant, true);
  }
  const now = (opts.now ?? Date.now)();
  const until = typeof body.ValidUntil === 'string' ? Date.parse(body.ValidUntil) : Number.NaN;
  const ttl = Number.isNaN(until) ? MAX_STATE_TTL_MS : until - now;
  return {
    baseUrl,
    state,
    validUntil: now + Math.min(MAX_STATE_TTL_MS, Math.max(MIN_STATE_TTL_MS, ttl)),
  };
}
