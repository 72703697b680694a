import { timingSafeEqual } from 'node:crypto';
import { createAuth } from '../api/auth.js';
import type { ApiConfig } from '../api/config-schema.js';

/** Credentials the sandbox accepts; any one of them lets a request in. */
export interface SandboxCredentials {
  basic?: { user: string; password: string }[];
  soTickets?: string[];
  bearerTokens?: string[];
  /** When set, every request must also carry this SO-AppToken. */
  appToken?: string;
}

/** Without configuration: Basic sandbox:sandbox (printed by `mail2ticket sandbox`). */
export const DEFAULT_SANDBOX_CREDENTIALS: SandboxCredentials = {
  basic: [{ user: 'sandbox', password: 'sandbox' }],
};

/** The api config a client needs to talk to a sandbox with the default credentials. */
export function sandboxApiAuth(): ApiConfig['auth'] {
  return { scheme: 'basic', user: 'sandbox', password: 'sandbox' };
}

/** Accept exactly what a client built from this api config sends (secrets resolved the same way). */
export async function credentialsFromApiConfig(api: ApiConfig): Promise<SandboxCredentials> {
  const auth = await createAuth(api.auth);
  const h = auth.headers();
  const value = h.authorization!;
  const space = value.indexOf(' ');
  const scheme = value.slice(0, space).toLowerCase();
  const rest = value.slice(space + 1);
  const creds: SandboxCredentials = h['so-apptoken'] ? { appToken: h['so-apptoken'] } : {};
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    creds.basic = [{ user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }];
  } else if (scheme === 'soticket') creds.soTickets = [rest];
  else creds.bearerTokens = [rest];
  return creds;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Check one request's Authorization and SO-AppToken headers. */
export function authorized(
  creds: SandboxCredentials,
  authorization: string | undefined,
  appToken: string | undefined,
): boolean {
  if (creds.appToken !== undefined && !same(appToken ?? '', creds.appToken)) return false;
  if (!authorization) return false;
  const space = authorization.indexOf(' ');
  if (space < 0) return false;
  const scheme = authorization.slice(0, space).toLowerCase();
  const rest = authorization.slice(space + 1).trim();
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    return (creds.basic ?? []).some((c) => same(decoded, `${c.user}:${c.password}`));
  }
  if (scheme === 'soticket') return (creds.soTickets ?? []).some((t) => same(rest, t));
  if (scheme === 'bearer') return (creds.bearerTokens ?? []).some((t) => same(rest, t));
  return false;
}
