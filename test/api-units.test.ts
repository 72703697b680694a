import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiConfigSchema } from '../src/api/config-schema.js';
import { httpError, parseRetryAfter } from '../src/api/errors.js';
import { messageIdFilter, messageIdVariants, parseMatches, parseSlimInt } from '../src/api/odata.js';
import { backoffDelay } from '../src/core/backoff.js';
import { withRetry } from '../src/api/retry.js';
import { resolveSecret } from '../src/secrets.js';
import { parseConfig } from '../src/config.js';
import { Mail2TicketError } from '../src/errors.js';

describe('api config section', () => {
  it('applies defaults and reports every problem with its path', () => {
    const cfg = apiConfigSchema.parse({
      baseUrl: 'https://sod.superoffice.com/Cust1',
      auth: { scheme: 'bearer', tokenFile: '/run/token', appToken: { env: 'SO_APP' } },
    });
    expect(cfg).toMatchObject({
      timeZone: 'UTC, includeTZOffset',
      onUnmatched: 'defer',
      retry: { maxAttempts: 6 },
    });
    expect(() =>
      parseConfig({
        api: {
          baseUrl: 'ftp://x',
          auth: { scheme: 'bearer', token: 'a', tokenFile: '/b' },
          onUnmatched: 'ignore',
          retry: { maxAttempts: 0 },
          language: 'nb\r\nX-Evil: 1',
        },
      }),
    ).toThrowError(
      expect.objectContaining({
        code: 'E_CONFIG',
        message: expect.stringMatching(
          /api\.baseUrl[\s\S]*api\.auth[\s\S]*exactly one of token, tokenCommand, tokenFile[\s\S]*api\.language[\s\S]*api\.onUnmatched[\s\S]*api\.retry\.maxAttempts/,
        ),
      }),
    );
    expect(() =>
      parseConfig({ api: { baseUrl: 'https://x', auth: { scheme: 'basic', user: 'u' } } }),
    ).toThrow(/api\.auth\.password/);
  });

  it('reads secrets from env and files, naming the source but never the value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-sec-'));
    try {
      writeFileSync(join(dir, 's'), 'from-file\n');
      expect(resolveSecret({ file: join(dir, 's') }, 'api.auth.password')).toBe('from-file');
      expect(resolveSecret({ env: 'X' }, 'w', { X: 'from-env' })).toBe('from-env');
      expect(resolveSecret('literal', 'w')).toBe('literal');
      expect(() => resolveSecret({ env: 'MISSING_VAR' }, 'api.auth.ticket', {})).toThrow(
        'api.auth.ticket: environment variable MISSING_VAR is not set or empty',
      );
      writeFileSync(join(dir, 'e'), '\n');
      expect(() => resolveSecret({ file: join(dir, 'e') }, 'w')).toThrow(/is empty/);
      expect(() => resolveSecret({ file: join(dir, 'nope') }, 'w')).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backoff and Retry-After', () => {
  const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000, maxTotalMs: 60_000 };
  it('grows exponentially, is capped, and keeps half the step fixed under jitter', () => {
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(20, policy, () => 1)).toBe(1000);
    expect(backoffDelay(20, policy, () => 0)).toBe(500);
  });

  it('parses delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('retries only retryable family errors, within maxAttempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const fail = (retryable: boolean) => () => {
      calls++;
      return Promise.reject(new Mail2TicketError('E_API_HTTP', 'x', { retryable }));
    };
    await expect(
      withRetry(fail(true), { ...policy, maxAttempts: 4 }, { sleep: async (ms) => void waits.push(ms) }),
    ).rejects.toThrow('x');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    calls = 0;
    await expect(withRetry(fail(false), policy, { sleep: async () => {} })).rejects.toThrow('x');
    expect(calls).toBe(1);
    await expect(withRetry(() => Promise.reject(new TypeError('bug')), policy)).rejects.toThrow(TypeError);
  });

  it('classifies statuses and scrubs secrets from quoted bodies', () => {
    const e = httpError('GET /x', 503, '<html>token SECRET-abc down</html>', '5', ['SECRET-abc']);
    expect(e).toMatchObject({ code: 'E_API_HTTP', status: 503, retryable: true, retryAfterMs: 5000 });
    expect(e.message).not.toContain('SECRET-abc');
    for (const s of [400, 409, 412]) expect(httpError('PUT /x', s, '', undefined, []).retryable).toBe(false);
    expect(httpError('GET /x', 401, '', undefined, []).code).toBe('E_API_AUTH');
  });
});

describe('Message-Id lookup helpers', () => {
  it('tries the mail’s own spelling first, then the other', () => {
    expect(messageIdVariants('<a@b>')).toEqual(['<a@b>', 'a@b']);
    expect(messageIdVariants('a@b')).toEqual(['a@b', '<a@b>']);
    expect(messageIdFilter("<o'x@b>")).toBe("messageId is '<o\\'x@b>'");
  });

  it('parses Slim display values defensively', () => {
    expect(parseSlimInt('4711')).toBe(4711);
    expect(parseSlimInt('4 711')).toBe(4711);
    expect(parseSlimInt('4,711')).toBe(4711);
    expect(parseSlimInt(12)).toBe(12);
    expect(parseSlimInt('12abc')).toBeUndefined();
    expect(parseSlimInt(1.5)).toBeUndefined();
    expect(
      parseMatches(
        {
          value: [
            { PrimaryKey: 9, TicketMessageId: '9', TicketId: '3', MessageId: 'a@b' },
            { PrimaryKey: 4, ticketMessageId: '', ticketId: '', messageId: '<a@b>' },
            { PrimaryKey: 5, ticketMessageId: '5', messageId: '<other@b>' },
          ],
        },
        '<a@b>',
      ),
    ).toEqual([
      { ticketMessageId: 4, messageId: '<a@b>' },
      { ticketMessageId: 9, ticketId: 3, messageId: 'a@b' },
    ]);
    expect(parseMatches({ value: 'nope' }, 'a')).toEqual([]);
  });
});
