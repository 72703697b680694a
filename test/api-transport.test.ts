/**
 * Promises of the API config that had no test: a non-default `timeZone` reaches the SO-TimeZone
 * header, `timeouts.connectMs` and `timeouts.bodyMs` each end a stalled call with E_API_TIMEOUT, and
 * a Retry-After is the minimum wait before the next attempt. Everything runs against local servers
 * on port 0; no test asserts a duration (waits are recorded by the injected sleep).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type Socket, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import { withRetry } from '../src/api/retry.js';
import { sandboxApiConfig, testClient } from './helpers/sandbox.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** An HTTP server on port 0 (closed after the test, open sockets included). */
async function httpServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  const port = await listen(server);
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${port}`;
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const got = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(got).toBeInstanceOf(ApiError);
  return got as ApiError;
}

const ONE_ATTEMPT = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 60_000 };

describe('SO-TimeZone', () => {
  it('a configured timeZone is what the server receives, on reads and writes', async () => {
    const seen: { method: string; headers: IncomingHttpHeaders }[] = [];
    const url = await httpServer((req, res) => {
      seen.push({ method: req.method ?? '', headers: req.headers });
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ EjMessageId: 7, Body: 'x' }));
      });
    });
    const { client } = await testClient(sandboxApiConfig(url, { timeZone: 'W. Europe Standard Time' }));
    try {
      await client.getTicketMessage(7);
      await client.putTicketMessage(7, { EjMessageId: 7, Body: 'y' });
    } finally {
      await client.close();
    }
    expect(seen.map((s) => s.method)).toEqual(['GET', 'PUT']);
    expect(seen.map((s) => s.headers['so-timezone'])).toEqual([
      'W. Europe Standard Time',
      'W. Europe Standard Time',
    ]);
  });
});

describe('timeouts', () => {
  it('connectMs: a TLS handshake the server never answers ends in E_API_TIMEOUT with the configured limit', async () => {
    // A plain TCP listener that accepts and says nothing: the https client's handshake never
    // completes, which undici counts against the connect timeout.
    const sockets = new Set<Socket>();
    let accepted = 0;
    const tcp = createTcpServer((s) => {
      accepted++;
      sockets.add(s);
      s.on('error', () => {});
    });
    const port = await listen(tcp);
    closers.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    });
    const { client, delays } = await testClient(
      sandboxApiConfig(`https://127.0.0.1:${port}`, {
        timeouts: { connectMs: 300, headersMs: 60_000, bodyMs: 60_000 },
        retry: ONE_ATTEMPT,
      }),
    );
    try {
      const err = await rejection(client.getTicketMessage(1));
      expect(err).toMatchObject({ code: 'E_API_TIMEOUT', retryable: true });
      expect(err.message).toContain('UND_ERR_CONNECT_TIMEOUT');
      // The configured connectMs is the limit undici applied (its default is 10 s).
      expect(String((err.cause as Error | undefined)?.message)).toContain('timeout: 300ms');
      expect(accepted).toBe(1);
      expect(delays).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('bodyMs: headers then a body that stalls ends in E_API_TIMEOUT (UND_ERR_BODY_TIMEOUT)', async () => {
    let requests = 0;
    const url = await httpServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"EjMessageId": 7, "Body": "'); // ... and nothing more
    });
    const { client } = await testClient(
      sandboxApiConfig(url, {
        timeouts: { connectMs: 10_000, headersMs: 60_000, bodyMs: 300 },
        retry: ONE_ATTEMPT,
      }),
    );
    try {
      const err = await rejection(client.getTicketMessage(7));
      expect(err).toMatchObject({ code: 'E_API_TIMEOUT', retryable: true });
      expect(err.message).toContain('UND_ERR_BODY_TIMEOUT');
      expect(requests).toBe(1);
    } finally {
      await client.close();
    }
  }, 30_000); // bodyMs ignored would fall back to undici's 300 s: this turns that into a failure
});

describe('Retry-After', () => {
  it('is the minimum wait before the next attempt when it exceeds the backoff', async () => {
    const answers = [503, 429, 200];
    const url = await httpServer((req, res) => {
      req.resume();
      const status = answers.shift() ?? 500;
      if (status === 200) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ EjMessageId: 7 }));
        return;
      }
      res.writeHead(status, {
        'content-type': 'application/json',
        'retry-after': status === 503 ? '4' : '2',
      });
      res.end(JSON.stringify({ Error: true, ErrorType: 'Busy', ErrorMessage: 'later' }));
    });
    // backoff alone would wait at most maxDelayMs = 20 ms
    const { client, delays } = await testClient(sandboxApiConfig(url));
    try {
      expect((await client.getTicketMessage(7)).EjMessageId).toBe(7);
    } finally {
      await client.close();
    }
    expect(delays).toEqual([4000, 2000]);
  });

  it('withRetry waits the longer of Retry-After and the backoff', async () => {
    const waits: number[] = [];
    const errors = [
      new ApiError('E_API_HTTP', '503', { status: 503, retryable: true, retryAfterMs: 7000 }),
      new ApiError('E_API_HTTP', '503', { status: 503, retryable: true, retryAfterMs: 10 }),
    ];
    const policy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 1000, maxTotalMs: 60_000 };
    const got = await withRetry(
      async () => {
        const e = errors.shift();
        if (e) throw e;
        return 'ok';
      },
      policy,
      { sleep: async (ms) => void waits.push(ms), random: () => 1, now: () => 0 },
    );
    expect(got).toBe('ok');
    // attempt 1: Retry-After 7 s beats the 500 ms step; attempt 2: the 1000 ms step beats 10 ms
    expect(waits).toEqual([7000, 1000]);
  });
});
