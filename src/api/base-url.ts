import { Mail2TicketError } from '../errors.js';

/**
 * `api.baseUrl` as admins paste it. All of these name the same API (see superoffice-api.md, "Base
 * URL"): the tenant root `https://sod.superoffice.com/Cust12345`, the form the official clients are
 * configured with `.../Cust12345/api` (they append `v1/...`), the `webapi_url` claim
 * `.../Cust12345/api/`, and a full `.../Cust12345/api/v1`, each with or without a trailing slash;
 * Onsite `https://host/SuperOffice` likewise; and a server that serves the API at its root
 * (`https://host`, `https://host/api/v1`). `api` and `v1` are matched case-insensitively.
 */

export const NOT_HTTP_URL = 'must be an http(s) URL';

/** Why `baseUrl` cannot be a base URL, or undefined when it can. One line, for `api.baseUrl: ...`. */
export function baseUrlProblem(baseUrl: string): string | undefined {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return NOT_HTTP_URL;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return NOT_HTTP_URL;
  // The raw text, not u.search/u.hash: `https://h/x?` has an empty search but still a stray `?`.
  if (/[?#]/.test(baseUrl)) {
    return 'must not contain a query string or fragment (?...#...): give the tenant root, e.g. https://sod.superoffice.com/Cust12345/api';
  }
  if (u.username || u.password) {
    return 'must not contain a user name or password: put credentials in api.auth';
  }
  const basePath = stripApiSuffix(u.pathname);
  if (basePath.split('/').some((s) => s.toLowerCase() === 'api')) {
    return `names a path inside the API (${u.pathname}): give the tenant root, .../api or .../api/v1, e.g. https://sod.superoffice.com/Cust12345/api`;
  }
  return undefined;
}

/** `/Cust1/api/v1/` -> `/Cust1`; `/api` -> `` (root). Trailing slashes and one `/api[/v1]` go. */
function stripApiSuffix(pathname: string): string {
  return pathname
    .replace(/\/+$/, '')
    .replace(/\/api(?:\/v1)?$/i, '')
    .replace(/\/+$/, '');
}

/**
 * The origin to connect to and the path in front of `/api/v1/...` ('' at the server root, else e.g.
 * `/Cust12345`, never with a trailing slash). Every accepted form of one API gives the same answer.
 * Throws E_CONFIG for what baseUrlProblem refuses (the config schema reports that first).
 */
export function splitBaseUrl(baseUrl: string): { origin: string; basePath: string } {
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new Mail2TicketError('E_CONFIG', `api.baseUrl ${problem}`);
  const u = new URL(baseUrl);
  return { origin: u.origin, basePath: stripApiSuffix(u.pathname) };
}
