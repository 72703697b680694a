import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import { FIND_BATCH_MAX_MAILS } from '../src/api/find-batch.js';
import { Mail2TicketError } from '../src/errors.js';
import {
  capturingLogger,
  type Sandbox,
  sandboxApiConfig,
  startSandbox,
  testClient,
} from './helpers/sandbox.js';

let sb: Sandbox;
let ticket: number;
let msg: number;

beforeEach(async () => {
  sb = await startSandbox();
  ticket = sb.store.addTicket({ Title: 'Printer on fire' }).TicketId;
  msg = sb.store.addMessage(ticket, { MessageId: '<abc@example.com>', Body: 'hello', TimeSpent: 5 });
});
afterEach(async () => {
  await sb.close();
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a rejection');
}

describe('finding by Message-Id', () => {
  it('finds with and without angle brackets and parses Slim string values', async () => {
    const bare = sb.store.addMessage(ticket, { MessageId: 'bare@example.com' });
    const { client } = await testClient(sandboxApiConfig(sb.url));
    try {
      expect(await client.findTicketMessagesByMessageId('<abc@example.com>')).toEqual([
        { ticketMessageId: msg, ticketId: ticket, messageId: '<abc@example.com>' },
      ]);
      expect((await client.findTicketMessagesByMessageId('abc@example.com'))[0]?.ticketMessageId).toBe(msg);
      // Stored bare, asked bracketed: the second spelling finds it.
      expect((await client.findTicketMessagesByMessageId('<bare@example.com>'))[0]?.ticketMessageId).toBe(
        bare,
      );
      expect(await client.findTicketMessagesByMessageId('<nobody@example.com>')).toEqual([]);
      // The mail's own spelling first: one query when it hits, two when the other spelling is needed.
      expect(sb.state().counters.finds).toBe(1 + 2 + 2 + 2);
    } finally {
      await client.close();
    }
  });

  it('with mails in flight, sends the lookups that queue for a slot as one request, each answered as alone', async () => {
    // Stored with and without brackets, with a quote, twice, under web-server-sized ids; some absent.
    const long = (i: number) => `${i}.${'k'.repeat(180)}@example.com`;
    const asked: string[] = [];
    for (let i = 0; i < 24; i++) {
      const bare = i % 6 === 5 ? long(i) : `m${i}'q@example.com`;
      sb.store.addMessage(ticket, { MessageId: i % 3 === 0 ? bare : `<${bare}>` });
      asked.push(i % 2 ? `<${bare}>` : bare);
    }
    sb.store.addMessage(ticket, { MessageId: asked[1]! });
    asked.push('<absent@example.com>', 'absent2@example.com', '<abc@example.com>');
    sb.setFaults({ latencyMs: 20 });
    const alone = await testClient(sandboxApiConfig(sb.url, { concurrency: 1 }));
    const expected: unknown[] = [];
    try {
      for (const id of asked) expected.push(await alone.client.findTicketMessagesByMessageId(id));
    } finally {
      await alone.client.close();
    }
    const findsAlone = sb.state().counters.finds;
    const { logger, lines } = capturingLogger();
    const { client } = await testClient(sandboxApiConfig(sb.url, { concurrency: 2 }), { logger });
    try {
      const got = await Promise.all(asked.map((id) => client.findTicketMessagesByMessageId(id)));
      expect(got).toEqual(expected);
      expect((got[1] as unknown[]).length).toBe(2);
    } finally {
      await client.close();
    }
    const findsBatched = sb.state().counters.finds - findsAlone;
    // All 27 queue at once: requests of at most 16 mails each, under IIS's query-string limit (the
    // sandbox answers 404.15 over it, which would have turned batching off).
    expect(findsBatched).toBeGreaterThanOrEqual(Math.ceil(asked.length / FIND_BATCH_MAX_MAILS));
    expect(findsBatched).toBeLessThan(asked.length / 4);
    expect(lines.join('\n')).not.toMatch(/one mail at a time/);
  });

  it('looks up every mail alone with batchLookups false', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `<solo${i}@example.com>`);
    for (const id of ids) sb.store.addMessage(ticket, { MessageId: id });
    sb.setFaults({ latencyMs: 20 });
    const { client } = await testClient(sandboxApiConfig(sb.url, { concurrency: 2, batchLookups: false }));
    const before = sb.state().counters.finds;
    try {
      const got = await Promise.all(ids.map((id) => client.findTicketMessagesByMessageId(id)));
      expect(got.every((m) => m.length === 1)).toBe(true);
    } finally {
      await client.close();
    }
    expect(sb.state().counters.finds - before).toBe(ids.length);
  });

  it('escapes quotes inside the id', async () => {
    const q = sb.store.addMessage(ticket, { MessageId: "<o'brien'@example.com>" });
    const { client } = await testClient(sandboxApiConfig(sb.url));
    try {
      expect((await client.findTicketMessagesByMessageId("<o'brien'@example.com>"))[0]?.ticketMessageId).toBe(
        q,
      );
    } finally {
      await client.close();
    }
  });
});

describe('entity calls', () => {
  it('GET, PUT with $select, POST, default, ticket and merged-ticket resolution', async () => {
    const other = sb.store.addTicket({ Title: 'other' }).TicketId;
    const merged = sb.store.addTicket({ Title: 'merged away' }).TicketId;
    sb.store.mergeTicket(merged, other);
    const { client } = await testClient(sandboxApiConfig(sb.url, { notify: false }));
    try {
      const got = await client.getTicketMessage(msg);
      expect(got.EjMessageId).toBe(msg);
      expect(got.Ticket?.TicketId).toBe(ticket);
      expect(got.CreatedBy?.AssociateId).toBe(1);
      const saved = await client.putTicketMessage(
        msg,
        { ...got, Body: 'changed' },
        { select: ['EjMessageId', 'Ticket'] },
      );
      expect(saved.EjMessageId).toBe(msg);
      expect(saved.Body).toBeNull(); // not selected: nulled out, as documented
      expect(sb.store.messages.get(msg)?.entity.Body).toBe('changed');
      const defaults = await client.getDefaultTicketMessage();
      expect(defaults.EjMessageId).toBe(0);
      const created = await client.postTicketMessage({
        ...defaults,
        MessageId: '<new@x>',
        Ticket: { TicketId: other },
      });
      expect(created.EjMessageId).toBeGreaterThan(msg);
      expect(created.Ticket?.TicketId).toBe(other);
      expect((await client.getTicket(ticket)).Title).toBe('Printer on fire');
      expect(await client.resolveTicketId(merged)).toBe(other);
      expect(await client.resolveTicketId(ticket)).toBe(ticket);
      expect(await client.resolveTicketId(999)).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('404 and 400 are permanent, carry SuperOffice ErrorType/ErrorMessage, and are not retried', async () => {
    const { client, delays } = await testClient(sandboxApiConfig(sb.url));
    try {
      const before = sb.state().counters.requests;
      const nf = await rejection(client.getTicketMessage(4242));
      expect(nf).toMatchObject({ code: 'E_API_NOT_FOUND', status: 404, retryable: false });
      expect(nf.errorType).toBe('SoNotFoundException');
      expect(nf.message).toContain('TicketMessage 4242 not found');
      const bad = await rejection(client.putTicketMessage(msg, { EjMessageId: msg + 1 }));
      expect(bad).toMatchObject({ code: 'E_API_HTTP', status: 400, retryable: false });
      expect(bad.errorMessage).toContain('does not match');
      expect(sb.state().counters.requests - before).toBe(2);
      expect(delays).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('retries', () => {
  it('retries 500s, 429 (waiting at least Retry-After) and dropped connections, then succeeds', async () => {
    sb.setFaults({ queue: ['500', '429', 'drop', '500'], retryAfterSeconds: 3 });
    const { client, delays } = await testClient(sandboxApiConfig(sb.url));
    try {
      const got = await client.getTicketMessage(msg);
      expect(got.EjMessageId).toBe(msg);
      expect(client.stats.retries).toBe(4);
      expect(delays).toHaveLength(4);
      expect(delays[1]).toBeGreaterThanOrEqual(3000);
      expect(sb.state().counters.faults).toEqual({ '500': 2, '429': 1, drop: 1 });
    } finally {
      await client.close();
    }
  });

  it('gives up after maxAttempts with a retryable error (the caller defers)', async () => {
    sb.setFaults({ errorRate: 1 });
    const { client, delays } = await testClient(
      sandboxApiConfig(sb.url, {
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 60_000 },
      }),
    );
    try {
      const err = await rejection(client.getTicketMessage(msg));
      expect(err).toMatchObject({ code: 'E_API_HTTP', status: 500, retryable: true });
      expect(sb.state().counters.requests).toBe(3);
      expect(delays).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('stops at once when Retry-After reaches past the total budget', async () => {
    sb.setFaults({ queue: ['429'], retryAfterSeconds: 120 });
    const { client, delays } = await testClient(sandboxApiConfig(sb.url));
    try {
      const err = await rejection(client.getTicketMessage(msg));
      expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: 120_000 });
      expect(delays).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('repeats a POST only when it surely never arrived', async () => {
    const { client } = await testClient(sandboxApiConfig(sb.url));
    try {
      sb.setFaults({ queue: ['429'] });
      const a = await client.postTicketMessage({
        EjMessageId: 0,
        MessageId: '<a@x>',
        Ticket: { TicketId: ticket },
      });
      expect(a.EjMessageId).toBeGreaterThan(0);
      sb.setFaults({ queue: ['drop-after'] });
      const err = await rejection(
        client.postTicketMessage({ EjMessageId: 0, MessageId: '<b@x>', Ticket: { TicketId: ticket } }),
      );
      expect(err).toMatchObject({ code: 'E_API_NETWORK', retryable: true });
      // The lost answer's POST did create the message, exactly once.
      expect(sb.store.findByMessageId('<b@x>')).toHaveLength(1);
      expect(sb.state().counters.posts).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('turns a slow answer into a retryable timeout and an abort into E_API_ABORTED', async () => {
    sb.setFaults({ latencyMs: 3000 });
    const { client } = await testClient(
      sandboxApiConfig(sb.url, {
        timeouts: { connectMs: 5000, headersMs: 200, bodyMs: 5000 },
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 60_000 },
      }),
    );
    try {
      expect(await rejection(client.getTicketMessage(msg))).toMatchObject({
        code: 'E_API_TIMEOUT',
        retryable: true,
      });
      const ac = new AbortController();
      const p = client.getTicketMessage(msg, { signal: ac.signal });
      ac.abort();
      expect(await rejection(p)).toMatchObject({ code: 'E_API_ABORTED', retryable: false });
    } finally {
      await client.close();
    }
  });
});

describe('authentication', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'm2t-auth-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends SOTicket and SO-AppToken; wrong credentials are E_API_AUTH after one refresh', async () => {
    sb.setCredentials({ soTickets: ['7T:dGlja2V0'], appToken: 'app-secret-123' });
    const cfg = sandboxApiConfig(sb.url, {
      auth: { scheme: 'soticket', ticket: { env: 'M2T_TEST_TICKET' }, appToken: 'app-secret-123' },
    });
    const { client } = await testClient(cfg, { env: { M2T_TEST_TICKET: '7T:dGlja2V0' } });
    try {
      expect((await client.getTicketMessage(msg)).EjMessageId).toBe(msg);
    } finally {
      await client.close();
    }
    const { client: wrong } = await testClient(cfg, { env: { M2T_TEST_TICKET: '7T:wrong' } });
    try {
      const err = await rejection(wrong.getTicketMessage(msg));
      expect(err).toMatchObject({ code: 'E_API_AUTH', status: 401, retryable: false });
      expect(wrong.stats.authRefreshes).toBe(1);
      expect(wrong.stats.requests).toBe(2);
    } finally {
      await wrong.close();
    }
  });

  it('refreshes a bearer token from a token file on 401 and repeats once', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'token-one-aaaa\n');
    sb.setCredentials({ bearerTokens: ['token-one-aaaa'] });
    const { client } = await testClient(
      sandboxApiConfig(sb.url, { auth: { scheme: 'bearer', tokenFile: file } }),
    );
    try {
      await client.getTicketMessage(msg);
      writeFileSync(file, 'token-two-bbbb\n');
      sb.setCredentials({ bearerTokens: ['token-two-bbbb'] }); // token one expired
      expect((await client.getTicketMessage(msg)).EjMessageId).toBe(msg);
      expect(client.stats.authRefreshes).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('refreshes a bearer token by running the token command', async () => {
    const counter = join(dir, 'n');
    writeFileSync(counter, '0');
    const script = join(dir, 'token.mjs');
    writeFileSync(
      script,
      `import fs from 'node:fs';const n=Number(fs.readFileSync(${JSON.stringify(counter)},'utf8'))+1;` +
        `fs.writeFileSync(${JSON.stringify(counter)},String(n));process.stdout.write('cmd-token-'+n+'\\n');`,
    );
    chmodSync(script, 0o600);
    sb.setCredentials({ bearerTokens: ['cmd-token-2'] }); // the first token is already stale
    const { client } = await testClient(
      sandboxApiConfig(sb.url, { auth: { scheme: 'bearer', tokenCommand: [process.execPath, script] } }),
    );
    try {
      expect((await client.getTicketMessage(msg)).EjMessageId).toBe(msg);
      expect(client.stats.authRefreshes).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('keeps secrets out of logs and error messages', async () => {
    // A server that quotes the Authorization header back in its error message (it happens).
    const seen: IncomingHttpHeaders[] = [];
    const echo = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(req.url?.includes('/Ticket/') ? 500 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          Error: true,
          ErrorType: 'X',
          ErrorMessage: `bad ${req.headers.authorization} ${req.headers['so-apptoken']}`,
        }),
      );
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const { logger, lines } = capturingLogger();
    const password = 'pa55-w0rd-SECRET';
    const { client } = await testClient(
      sandboxApiConfig(url, {
        auth: { scheme: 'basic', user: 'u', password, appToken: 'APPTOKEN-SECRET' },
        language: 'nb',
        culture: 'nb',
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 60_000 },
      }),
      { logger },
    );
    try {
      const e1 = await rejection(client.getTicketMessage(1));
      const e2 = await rejection(client.getTicket(1));
      const basic = Buffer.from(`u:${password}`).toString('base64');
      const text = [e1.message, e2.message, JSON.stringify(e1), JSON.stringify(e2), ...lines].join('\n');
      expect(lines.length).toBeGreaterThan(0);
      expect(e1.message).toContain('[redacted]');
      for (const s of [password, basic, 'APPTOKEN-SECRET']) expect(text).not.toContain(s);
      // The configured language headers and the default time zone were sent.
      expect(seen[0]).toMatchObject({
        'accept-language': 'nb',
        'so-language': 'nb',
        'so-culture': 'nb',
        'so-timezone': 'UTC, includeTZOffset',
        authorization: `Basic ${basic}`,
        'so-apptoken': 'APPTOKEN-SECRET',
      });
    } finally {
      await client.close();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});

describe('response validation', () => {
  it('keeps unknown fields and rejects wrongly typed known fields', async () => {
    let body: unknown = {};
    const srv = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const { client } = await testClient(
      sandboxApiConfig(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/Cust1/api/v1`),
    );
    try {
      body = { EjMessageId: 7, Body: 'x', FutureField: { a: 1 } };
      expect(await client.getTicketMessage(7)).toMatchObject({ EjMessageId: 7, FutureField: { a: 1 } });
      body = { EjMessageId: 7, Slevel: 'Bogus' };
      const err = await rejection(client.getTicketMessage(7));
      expect(err).toMatchObject({ code: 'E_API_RESPONSE', retryable: false });
      expect(err.message).toContain('Slevel');
      expect(err).toBeInstanceOf(Mail2TicketError);
    } finally {
      await client.close();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
