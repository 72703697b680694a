import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { authorized, DEFAULT_SANDBOX_CREDENTIALS, type SandboxCredentials } from './auth.js';
import { contentRoute, receiveContent } from './attachments.js';
import { FaultInjector, type Faults } from './faults.js';
import { type ApiAnswer, route, soError } from './routes.js';
import { type SeedReport, seedStore } from './seed.js';
import { type SandboxState, SandboxStore } from './store.js';

/** Largest request body accepted (a ticket message with a big HTML body is a few MB). */
export const SANDBOX_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * IIS request filtering defaults (SuperOffice runs on IIS; learn.microsoft.com, IIS configuration
 * reference: system.webServer/security/requestFiltering/requestLimits): `maxQueryString` 2048 bytes
 * and `maxUrl` 4096 bytes, the latter not counting the query string. IIS answers a request over
 * either with 404 (sub-status 404.15 "Query String Too Long", 404.14 "URL Too Long"), so a client
 * building long `$filter`s meets that here first.
 */
export const IIS_MAX_QUERY_STRING_BYTES = 2048;
export const IIS_MAX_URL_BYTES = 4096;

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  credentials?: SandboxCredentials;
  /** Mail files, folders, mboxes or Maildirs imported as pre-existing ticket messages. */
  seed?: string[];
  faults?: Faults;
  logger?: Logger;
  /**
   * Serve the API under `/{tenant}/api/v1/...` (as SuperOffice Online does, e.g. `Cust12345`, or
   * Onsite's `SuperOffice`) instead of at the root (`/api/v1/...`), and answer
   * `GET /api/state/{tenant}` at the root. Exactly one of the two base paths is served.
   */
  tenant?: string;
  /**
   * Called as each API request arrives, with the API requests now in flight here (this one
   * included): what tests of the client's window observe, on the server's side. A function it
   * returns is called once the request is answered (or its connection dropped).
   */
  onRequest?: (r: { method: string; path: string; inFlight: number }) => undefined | (() => void);
}

export interface Sandbox {
  /** The server root, e.g. `http://127.0.0.1:8950`: the control routes are `${url}/sandbox/...`. */
  url: string;
  /**
   * What to paste in `api.baseUrl`: `${url}/api`, or `${url}/Cust12345/api` with a tenant (the form
   * the official clients take; they append `v1/...`).
   */
  apiUrl: string;
  /** The tenant option, or undefined when the API is served at the root. */
  tenant: string | undefined;
  /** The path in front of `/api/v1`: '' or `/${tenant}`. */
  basePath: string;
  port: number;
  store: SandboxStore;
  seedReport: SeedReport | undefined;
  close(): Promise<void>;
  state(): SandboxState;
  setFaults(f: Faults): void;
  setCredentials(c: SandboxCredentials): void;
  /** API requests being answered right now. */
  inFlight(): number;
  /**
   * The Endpoint `/api/state/{tenant}` answers (default: this server's own tenant root): a tenant
   * moved to another host, as SuperOffice Online does for load balancing and during incidents.
   */
  setTenantEndpoint(url: string | undefined): void;
}

function send(res: ServerResponse, answer: ApiAnswer, extraHeaders: Record<string, string> = {}): void {
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > SANDBOX_MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined));
    req.on('error', reject);
  });
}

/** A tenant is one path segment, and not one the server root already uses. */
export function checkTenant(tenant: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._~-]*$/.test(tenant) || /^(api|sandbox)$/i.test(tenant)) {
    throw new Error(
      `invalid sandbox tenant "${tenant}": one path segment of letters, digits, . _ ~ -, e.g. Cust12345`,
    );
  }
}

/** After `/api/v1`: one or more non-empty segments (no `//`, no trailing slash). */
const API_PATH = /^(?:\/[^/]+)+$/;
const STATE_ROUTE = /^\/api\/state\/([^/]+)$/i;
/** How long a state answer is valid (SuperOffice's ValidUntil says when to ask again). */
const STATE_VALID_MS = 60 * 60 * 1000;

/**
 * A local HTTP server speaking the SuperOffice WebAPI routes mail2ticket uses (see routes.ts), with
 * an auth check, in-memory state (GET /sandbox/state dumps it; PUT /sandbox/faults sets faults) and
 * fault injection.
 *
 * Strict about where the API is: it is served under exactly one base path, `/api/v1` at the root or
 * `/{tenant}/api/v1` with the tenant option (`api` and `v1` and the tenant matched case-insensitively,
 * as IIS does). Anything else (`/api/v1` under another or a doubled prefix such as
 * `/Cust12345/api/api/v1`, unknown routes, methods a route does not serve, empty path segments) is a
 * 404 with SuperOffice's error body, before any credential check, and is not counted as an API request.
 * The control routes stay at the server root; with a tenant, `GET /api/state/{tenant}` answers too.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  if (opts.tenant !== undefined) checkTenant(opts.tenant);
  const tenant = opts.tenant;
  const basePath = tenant === undefined ? '' : `/${tenant}`;
  const apiPrefix = `${basePath}/api/v1`.toLowerCase();
  let url = '';
  const store = new SandboxStore(() => url + basePath);
  const faults = new FaultInjector();
  if (opts.faults) faults.set(opts.faults);
  let credentials = opts.credentials ?? DEFAULT_SANDBOX_CREDENTIALS;
  let endpointOverride: string | undefined;
  let inFlight = 0;
  const log = opts.logger?.child({ component: 'sandbox' });
  const seedReport = opts.seed?.length ? await seedStore(store, opts.seed) : undefined;

  const notFound = (method: string | undefined, path: string) =>
    soError(404, 'SoNotFoundException', `Route ${method ?? 'GET'} ${path} not found`);

  /** GET /api/state/{tenant}: the tenant's status, as SuperOffice's status service answers it. */
  const tenantState = (name: string): ApiAnswer => {
    if (tenant === undefined || name.toLowerCase() !== tenant.toLowerCase()) {
      return soError(404, 'SoNotFoundException', `Tenant ${name} not found`);
    }
    const endpoint = endpointOverride ?? `${url}/${tenant}`;
    return {
      status: 200,
      body: {
        ContextIdentifier: tenant,
        Endpoint: endpoint,
        State: 'Running',
        IsRunning: true,
        ValidUntil: new Date(Date.now() + STATE_VALID_MS).toISOString(),
        Api: `${endpoint}/api`,
      },
    };
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (req.method === 'GET' && path === '/sandbox/state')
      return send(res, { status: 200, body: store.dump() });
    if ((req.method === 'PUT' || req.method === 'POST') && path === '/sandbox/faults') {
      try {
        faults.set(JSON.parse((await readBody(req)) ?? '{}') as Faults);
        return send(res, { status: 200, body: faults.current });
      } catch (err) {
        return send(res, soError(400, 'ArgumentException', (err as Error).message));
      }
    }
    return send(res, notFound(req.method, path));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Measured raw (still percent-encoded), before routing, as IIS request filtering does; Node
    // refuses non-ASCII request targets with 400, so characters are bytes.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const pathBytes = q < 0 ? target.length : q;
    const queryBytes = q < 0 ? 0 : target.length - q - 1;
    const tooLong =
      pathBytes > IIS_MAX_URL_BYTES
        ? `404.14 URL Too Long: the path is ${pathBytes} bytes, maxUrl is ${IIS_MAX_URL_BYTES}\n`
        : queryBytes > IIS_MAX_QUERY_STRING_BYTES
          ? `404.15 Query String Too Long: ${queryBytes} bytes, maxQueryString is ${IIS_MAX_QUERY_STRING_BYTES}\n`
          : undefined;
    if (tooLong) {
      // IIS answers before SuperOffice sees the request: not SuperOffice's JSON error body.
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': tooLong.length });
      res.end(tooLong);
      return;
    }
    const u = new URL(req.url ?? '/', 'http://sandbox');
    const pathname = u.pathname;
    if (pathname.startsWith('/sandbox/')) return control(req, res, pathname);
    const state = STATE_ROUTE.exec(pathname);
    if (state && tenant !== undefined) {
      if (req.method !== 'GET') return send(res, notFound(req.method, pathname));
      return send(res, tenantState(state[1]!));
    }
    const lower = pathname.toLowerCase();
    const path = pathname.slice(apiPrefix.length);
    if (!lower.startsWith(`${apiPrefix}/`) || !API_PATH.test(path)) {
      req.resume();
      return send(res, notFound(req.method, pathname));
    }
    const method = req.method ?? 'GET';
    store.countRequest(method, path);
    inFlight++;
    const onAnswered = opts.onRequest?.({ method, path, inFlight });
    // 'finish' (the answer handed to the socket) comes before the client can read it; 'close' covers
    // a destroyed socket (the drop faults).
    let answered = false;
    const done = () => {
      if (answered) return;
      answered = true;
      inFlight--;
      onAnswered?.();
    };
    res.once('finish', done);
    res.once('close', done);

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next(method, path);
    if (fault !== 'ok') store.counters.faults[fault] = (store.counters.faults[fault] ?? 0) + 1;
    if (fault === 'hang') {
      // Never answered: the caller sees the call in flight until it or the sandbox gives up.
      req.resume();
      return;
    }
    const appToken = req.headers['so-apptoken'];
    const isAuthorized = () =>
      authorized(credentials, req.headers.authorization, Array.isArray(appToken) ? appToken[0] : appToken);
    const upload = contentRoute(method, path);
    if (upload !== undefined && fault !== 'drop') {
      // Streamed: hashed and counted as it arrives, never held (src/sandbox/attachments.ts).
      const r = await receiveContent(store, upload, req, {
        fault,
        authorized: isAuthorized(),
        retryAfterSeconds: faults.retryAfterSeconds,
      });
      if (r) send(res, r.answer, r.headers);
      return;
    }
    if (fault === 'drop' || fault === 'drop-during') {
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    if (fault === '500') return send(res, soError(500, 'SoException', 'Injected failure (sandbox fault)'));
    if (fault === '429') {
      return send(res, soError(429, 'TooManyRequests', 'Injected rate limit (sandbox fault)'), {
        'retry-after': faults.retryAfterHeader(),
      });
    }
    if (fault === '401')
      return send(res, soError(401, 'SoUnauthorizedException', 'Injected 401 (sandbox fault)'));
    if (fault === '400')
      return send(res, soError(400, 'ValidationException', 'Injected 400 (sandbox fault)'));
    if (!isAuthorized()) {
      return send(res, soError(401, 'SoUnauthorizedException', 'Missing or invalid credentials'));
    }
    const answer = route(store, { method, path, query: u.searchParams, body });
    if (fault === 'drop-after') {
      // The change is made; the answer is lost on the way back.
      req.socket.destroy();
      return;
    }
    send(res, answer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log?.error({ err: (err as Error).message }, 'sandbox request failed');
      if (!res.headersSent) send(res, soError(500, 'SoException', 'Internal sandbox error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    apiUrl: `${url}${basePath}/api`,
    tenant,
    basePath,
    port,
    store,
    seedReport,
    state: () => store.dump(),
    setFaults: (f) => faults.set(f),
    setCredentials: (c) => {
      credentials = c;
    },
    inFlight: () => inFlight,
    setTenantEndpoint: (u) => {
      endpointOverride = u;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
