import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { authorized, DEFAULT_SANDBOX_CREDENTIALS, type SandboxCredentials } from './auth.js';
import { FaultInjector, type Faults } from './faults.js';
import { type ApiAnswer, route, soError } from './routes.js';
import { type SeedReport, seedStore } from './seed.js';
import { type SandboxState, SandboxStore } from './store.js';

/** Largest request body accepted (a ticket message with a big HTML body is a few MB). */
export const SANDBOX_MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  credentials?: SandboxCredentials;
  /** Mail files, folders, mboxes or Maildirs imported as pre-existing ticket messages. */
  seed?: string[];
  faults?: Faults;
  logger?: Logger;
}

export interface Sandbox {
  url: string;
  port: number;
  store: SandboxStore;
  seedReport: SeedReport | undefined;
  close(): Promise<void>;
  state(): SandboxState;
  setFaults(f: Faults): void;
  setCredentials(c: SandboxCredentials): void;
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

/**
 * A local HTTP server speaking the SuperOffice WebAPI routes mail2ticket uses (see routes.ts), with
 * an auth check, in-memory state (GET /sandbox/state dumps it; PUT /sandbox/faults sets faults) and
 * fault injection. API routes live under `/api/v1`, optionally behind a tenant prefix (`/Cust1/api/v1`).
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  let url = '';
  const store = new SandboxStore(() => url);
  const faults = new FaultInjector();
  if (opts.faults) faults.set(opts.faults);
  let credentials = opts.credentials ?? DEFAULT_SANDBOX_CREDENTIALS;
  const log = opts.logger?.child({ component: 'sandbox' });
  const seedReport = opts.seed?.length ? await seedStore(store, opts.seed) : undefined;

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
    return send(res, soError(404, 'SoNotFoundException', `Route ${req.method} ${path} not found`));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://sandbox');
    if (u.pathname.startsWith('/sandbox/')) return control(req, res, u.pathname);
    const at = u.pathname.toLowerCase().indexOf('/api/v1/');
    if (at < 0) return send(res, soError(404, 'SoNotFoundException', `Route ${u.pathname} not found`));
    const path = u.pathname.slice(at + '/api/v1'.length);
    const method = req.method ?? 'GET';
    store.counters.requests++;

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.next(method, path);
    if (fault !== 'ok') store.counters.faults[fault] = (store.counters.faults[fault] ?? 0) + 1;
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    if (fault === '500') return send(res, soError(500, 'SoException', 'Injected failure (sandbox fault)'));
    if (fault === '429') {
      return send(res, soError(429, 'TooManyRequests', 'Injected rate limit (sandbox fault)'), {
        'retry-after': String(faults.retryAfterSeconds),
      });
    }
    if (fault === '401')
      return send(res, soError(401, 'SoUnauthorizedException', 'Injected 401 (sandbox fault)'));
    const appToken = req.headers['so-apptoken'];
    if (
      !authorized(credentials, req.headers.authorization, Array.isArray(appToken) ? appToken[0] : appToken)
    ) {
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
    port,
    store,
    seedReport,
    state: () => store.dump(),
    setFaults: (f) => faults.set(f),
    setCredentials: (c) => {
      credentials = c;
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
