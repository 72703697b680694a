import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkApi } from '../src/commands/config-check.js';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { apiConfigSchema } from '../src/api/config-schema.js';
import { httpError, transportError } from '../src/api/errors.js';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

/**
 * Issue 13 §2 for replay and `config check`: a configuration or API fault (a wrong URL, a 403 for
 * the whole API, an unreachable host, a tenant in maintenance, a 5xx streak) stops replay with exit 1
 * and one line naming the setting to check, and quarantines nothing. The built CLI runs as a user
 * runs it, against the sandbox or a small server that answers like the misconfigured thing.
 */

const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;
const MAILS = ['001-plain-text-lf.eml', '002-plain-text-crlf.eml', '003-gmail-multipart-alternative.eml'];

let work: string;
let mailDir: string;
let sandbox: Sandbox;
const servers: Server[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    p.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let n = 0;
/** `replay --config` against `api` (merged into a fast-retry api section). */
async function replay(api: Record<string, unknown>) {
  const dir = join(work, `run-${++n}`);
  mkdirSync(dir);
  const config = {
    stateDir: join(dir, 'state'),
    api: {
      auth: sandboxApiAuth(),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 10_000 },
      timeouts: { connectMs: 2000, headersMs: 5000, bodyMs: 5000 },
      ...api,
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const out = join(dir, 'out.ndjson');
  const r = await run(['replay', '--config', join(dir, 'config.json'), '--out', out, mailDir]);
  const lines = existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { outcome: string })
    : [];
  return { ...r, lines, stateDir: config.stateDir };
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'm2t-api-faults-'));
  mailDir = join(work, 'mail');
  mkdirSync(mailDir);
  for (const m of MAILS) copyFileSync(join(FIXTURES, m), join(mailDir, m));
  sandbox = await startSandbox({ seed: [mailDir], tenant: 'Cust12345' });
});
afterAll(async () => {
  await sandbox?.close();
  for (const s of servers) s.close();
  rmSync(work, { recursive: true, force: true });
});

/** Exit 1, exactly one line on stderr naming `setting`, nothing quarantined, nothing done. */
function expectStopped(r: Awaited<ReturnType<typeof replay>>, setting: string) {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mail2ticket: stopped: the API is at fault, nothing was quarantined/);
  expect(lines[0]).toContain(setting);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.lines.filter((l) => l.outcome === 'quarantined')).toEqual([]);
}

describe('the error family tells the mail from the API', () => {
  it('404 on a collection route, 401/403 and an unreachable host are api-scope with the setting; an entity 404 and a 400 are the mail’s', () => {
    expect(httpError('GET /api/v1/TicketMessage', 404, '', undefined, [], 'collection')).toMatchObject({
      scope: 'api',
      setting: 'api.baseUrl',
    });
    expect(httpError('PUT /api/v1/TicketMessage/4', 404, '', undefined, [], 'entity')).toMatchObject({
      scope: 'mail',
    });
    expect(httpError('PUT /api/v1/TicketMessage/4', 400, '', undefined, [])).toMatchObject({ scope: 'mail' });
    expect(httpError('GET /x', 403, '', undefined, [])).toMatchObject({ scope: 'api', setting: 'api.auth' });
    const refused = transportError(
      'GET /x',
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      undefined,
    );
    expect(refused).toMatchObject({ scope: 'api', setting: 'api.baseUrl', retryable: true });
    const reset = transportError('GET /x', Object.assign(new Error('x'), { code: 'ECONNRESET' }), undefined);
    expect(reset).toMatchObject({ scope: 'mail', retryable: true });
    // The summary carries it (NDJSON, the daemon); a mail-scope one looks as it always did.
    expect(refused.toJSON()).toMatchObject({ scope: 'api', setting: 'api.baseUrl' });
    expect(reset.toJSON()).not.toHaveProperty('scope');
  });
});

describe('replay stops at the first API fault, exit 1, one line, nothing quarantined', () => {
  it('works as a control: the right URL updates every mail', async () => {
    const r = await replay({ baseUrl: sandbox.apiUrl });
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.map((l) => l.outcome)).toEqual(['updated', 'updated', 'updated']);
  });

  it('a wrong URL (a web server that is not SuperOffice: 404 for everything)', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
    });
    expectStopped(await replay({ baseUrl: `${url}/Cust12345/api` }), 'api.baseUrl');
  });

  it('a wrong tenant on the right host', async () => {
    expectStopped(await replay({ baseUrl: `${sandbox.url}/Cust99999/api` }), 'api.baseUrl');
  });

  it('a 403 for the whole API', async () => {
    const url = await serve((_req, res) => {
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end('{"Error":true,"ErrorType":"SoAccessDeniedException","ErrorMessage":"Access denied"}');
    });
    const r = await replay({ baseUrl: url });
    expectStopped(r, 'api.auth');
    expect(r.stderr).toContain('403');
  });

  it('a host that refuses connections', async () => {
    const url = await serve(() => {});
    const port = new URL(url).port;
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    expectStopped(await replay({ baseUrl: `http://127.0.0.1:${port}` }), 'api.baseUrl');
  });

  it('a 5xx streak (the probe fails too)', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
    });
    const r = await replay({ baseUrl: url });
    expectStopped(r, '503');
  });
});

describe('api.tenant: the endpoint comes from GET /api/state/{tenant}', () => {
  it('Running: the tenant’s Endpoint is used', async () => {
    const r = await replay({ tenant: 'Cust12345', stateUrl: sandbox.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.map((l) => l.outcome)).toEqual(['updated', 'updated', 'updated']);
  });

  it('OfflineMaintenance is a hold: replay stops, naming api.tenant, nothing quarantined', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/api/state/Cust12345') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            ContextIdentifier: 'Cust12345',
            Endpoint: `${sandbox.url}/Cust12345`,
            State: 'OfflineMaintenance',
            IsRunning: false,
            ValidUntil: new Date(Date.now() + 60_000).toISOString(),
            Api: `${sandbox.url}/Cust12345/api`,
          }),
        );
      } else res.writeHead(404).end();
    });
    const r = await replay({ tenant: 'Cust12345', stateUrl: url });
    expectStopped(r, 'api.tenant');
    expect(r.stderr).toContain('OfflineMaintenance');
  });

  it('config schema: tenant needs environment (or stateUrl), and not baseUrl as well', () => {
    const auth = sandboxApiAuth();
    expect(apiConfigSchema.safeParse({ tenant: 'Cust1', auth }).error?.issues[0]?.path).toEqual([
      'environment',
    ]);
    expect(apiConfigSchema.safeParse({ tenant: 'Cust1', environment: 'online', auth }).success).toBe(true);
    expect(
      apiConfigSchema.safeParse({ tenant: 'Cust1', environment: 'sod', baseUrl: sandbox.apiUrl, auth })
        .success,
    ).toBe(false);
    expect(apiConfigSchema.safeParse({ auth }).error?.issues[0]?.path).toEqual(['baseUrl']);
  });
});

describe('config check probes the API', () => {
  const api = (o: Record<string, unknown>) => apiConfigSchema.parse({ auth: sandboxApiAuth(), ...o });

  it('ok: the URL it resolved, the credentials accepted, the lookup answered', async () => {
    const r = await checkApi(api({ baseUrl: sandbox.apiUrl }));
    expect(r.ok).toBe(true);
    expect(r.line).toMatch(
      /^ok: api http:\/\/127\.0\.0\.1:\d+\/Cust12345\/api\/v1: basic credentials accepted/,
    );
    const t = await checkApi(api({ tenant: 'Cust12345', stateUrl: sandbox.url }));
    expect(t).toMatchObject({ ok: true });
    expect(t.line).toContain('tenant Cust12345');
  });

  it('problem: says what and which setting', async () => {
    const wrong = await checkApi(api({ baseUrl: `${sandbox.url}/Cust1/api` }));
    expect(wrong.ok).toBe(false);
    expect(wrong.line).toMatch(
      /^problem: api http:\/\/127\.0\.0\.1:\d+\/Cust1\/api: .*404.*check api\.baseUrl/,
    );
    const badAuth = await checkApi(
      api({ baseUrl: sandbox.apiUrl, auth: { scheme: 'basic', user: 'sandbox', password: 'wrong' } }),
    );
    expect(badAuth.line).toMatch(/^problem: api .*401.*check api\.auth/);
    expect(badAuth.line).not.toContain('wrong');
  });
});
