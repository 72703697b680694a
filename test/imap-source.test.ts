import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCheckCommand } from '../src/commands/config-check.js';
import { createTokenProvider, parseTokenOutput } from '../src/imap/token-provider.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender, mailboxFor, sourceFor, testMail } from './helpers/imap-fixtures.js';

const available = dovecotAvailable(import.meta.url);

describe.skipIf(!available)('ImapMailSource against a real Dovecot', () => {
  let dovecot: Dovecot;
  let appender: Appender;
  let dir: string;

  beforeAll(async () => {
    dovecot = new Dovecot();
    await dovecot.start();
    appender = await new Appender(dovecot).connect();
    dir = mkdtempSync(join(tmpdir(), 'm2t-imapsrc-'));
  });
  afterAll(async () => {
    await appender?.close();
    await dovecot?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  function source(overrides: Parameters<typeof mailboxFor>[1] = {}, spoolThresholdBytes = 1024 * 1024) {
    const mb = mailboxFor(dovecot, overrides);
    return sourceFor(mb, dir, spoolThresholdBytes);
  }

  it('lists, fetches with BODY.PEEK[] (no \\Seen), spools big mail, flags and moves', async () => {
    await appender.append(testMail(1));
    const big = 'x'.repeat(76) + '\r\n';
    await appender.append(testMail(2, '', big.repeat(3000))); // ~234 KB
    const src = source({ processedFolder: 'Processed', afterSuccess: 'move' }, 100 * 1024);
    const ac = new AbortController();
    const info = await src.open(ac.signal);
    expect(info.canIdle).toBe(true);
    expect(Number(info.uidValidity)).toBeGreaterThan(0);
    const uids = await src.listUids(1);
    expect(uids).toEqual([1, 2]);
    expect(await src.listUids(3)).toEqual([]); // "3:*" matches UID 2 on the wire; filtered out
    const meta = await src.fetchMeta(1);
    expect(meta).toMatchObject({ uid: 1, messageId: '<mail-1@test.example>' });
    const raw1 = await src.fetchRaw(meta!);
    expect(raw1?.kind).toBe('buffer');
    expect(raw1?.kind === 'buffer' && raw1.data.toString()).toBe(testMail(1));
    const meta2 = await src.fetchMeta(2);
    const raw2 = await src.fetchRaw(meta2!);
    expect(raw2?.kind).toBe('file');
    if (raw2?.kind === 'file')
      expect(readFileSync(raw2.path, 'utf8')).toBe(testMail(2, '', big.repeat(3000)));
    // fetching marked nothing as read
    let flags = await appender.flags();
    expect(flags.get('<mail-1@test.example>')?.has('\\Seen')).toBe(false);
    expect(flags.get('<mail-2@test.example>')?.has('\\Seen')).toBe(false);
    await src.markSeen(1);
    await src.move(2, 'Processed');
    flags = await appender.flags();
    expect(flags.get('<mail-1@test.example>')?.has('\\Seen')).toBe(true);
    expect(flags.has('<mail-2@test.example>')).toBe(false);
    expect([...(await appender.flags('Processed')).keys()]).toEqual(['<mail-2@test.example>']);
    expect(await src.fetchMeta(2)).toBeNull();
    await src.close();
    await src.close(); // idempotent
  });

  it('IDLE wakes up on APPEND, times out otherwise, and leaves on abort', async () => {
    const src = source();
    const ac = new AbortController();
    await src.open(ac.signal);
    expect(await src.wait(300, ac.signal)).toBe('timeout');
    const waiting = src.wait(60_000, ac.signal);
    await new Promise((r) => setTimeout(r, 200));
    await appender.append(testMail('idle-1'));
    expect(await waiting).toBe('changed');
    const uids = await src.listUids(1);
    expect((await src.fetchMeta(uids[uids.length - 1]!))?.messageId).toBe('<mail-idle-1@test.example>');
    const waiting2 = src.wait(60_000, ac.signal);
    setTimeout(() => ac.abort(), 200);
    expect(await waiting2).toBe('aborted');
    // the connection is still usable after leaving IDLE
    expect((await src.listUids(1)).length).toBeGreaterThan(0);
    await src.close();
  });

  it('polls when IDLE is disabled and still sees new mail', async () => {
    const src = source({ disableIdle: true });
    const ac = new AbortController();
    const info = await src.open(ac.signal);
    expect(info.canIdle).toBe(false);
    const before = (await src.listUids(1)).length;
    await appender.append(testMail('poll-1'));
    expect(await src.wait(200, ac.signal)).toBe('changed');
    expect((await src.listUids(1)).length).toBe(before + 1);
    await src.close();
  });

  it('a wrong password is an E_IMAP error that names the user, never the password', async () => {
    const src = source({ auth: { type: 'password', user: 'alice', password: 'wrong-password-123' } });
    const err = await src.open(new AbortController().signal).then(
      () => new Error('connected'),
      (e: Error) => e,
    );
    expect(err).toMatchObject({ code: 'E_IMAP' });
    expect(err.message).toContain('authentication failed for user alice');
    expect(err.message).not.toContain('wrong-password-123');
  });

  it('a refused connection is a retryable E_IMAP error', async () => {
    const src = source({ port: 1 });
    const err = await src.open(new AbortController().signal).then(
      () => new Error('connected'),
      (e: Error) => e,
    );
    expect(err).toMatchObject({ code: 'E_IMAP', retryable: true });
    expect(err.message).toMatch(/cannot connect to 127\.0\.0\.1:1/);
  });

  it('config check reports schema problems with paths, then tests each connection', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        mailboxes: [
          {
            name: 'a',
            host: 'h',
            tls: { mode: 'tls' },
            auth: { type: 'password', user: 'u', password: 'p' },
          },
          { name: 'b b', host: 'h', auth: { type: 'password', user: 'u' } },
          {
            name: 'c',
            host: 'h',
            afterSuccess: 'move',
            auth: { type: 'password', user: 'u', password: 'p' },
          },
        ],
        daemon: { pollIntervalMs: -5 },
      }),
    );
    const lines: string[] = [];
    expect(await configCheckCommand([bad], { out: (l) => lines.push(l) })).toBe(1);
    const text = lines.join('\n');
    expect(text).toContain('mailboxes.0.tls.mode');
    expect(text).toContain('mailboxes.1.name');
    expect(text).toContain('mailboxes.2.processedFolder: required when afterSuccess is "move"');
    expect(text).toContain('mailboxes.1.auth.password');
    expect(text).toContain('daemon.pollIntervalMs');

    const good = join(dir, 'good.json');
    const mb = (name: string, password: unknown, port = dovecot.port) => ({
      name,
      host: '127.0.0.1',
      port,
      tls: { mode: 'none' },
      auth: { type: 'password', user: 'alice', password },
      quarantineFolder: 'Quarantine',
    });
    process.env.M2T_TEST_IMAP_PW = 'alice-secret-pw';
    writeFileSync(
      good,
      JSON.stringify({
        mailboxes: [mb('ok', { env: 'M2T_TEST_IMAP_PW' }), mb('badpw', 'nope-nope'), mb('down', 'x', 1)],
      }),
    );
    lines.length = 0;
    expect(await configCheckCommand([good], { out: (l) => lines.push(l) })).toBe(1);
    expect(lines.find((l) => l.startsWith('ok: mailboxes.0 (ok)'))).toMatch(
      /"INBOX" has \d+ messages.*IDLE.*Quarantine/,
    );
    expect(lines.find((l) => l.includes('mailboxes.1 (badpw)'))).toMatch(/^problem: .*authentication failed/);
    expect(lines.find((l) => l.includes('mailboxes.2 (down)'))).toMatch(/^problem: .*cannot connect/);
    expect(lines.join('\n')).not.toContain('nope-nope');
    expect(lines.join('\n')).not.toContain('alice-secret-pw');
  });
});

describe('XOAUTH2 token provider', () => {
  it('parses bare and JSON tokens with their expiry', () => {
    expect(parseTokenOutput('abc\n', 1000, 60_000, 'w')).toEqual({ value: 'abc', expiresAt: 61_000 });
    expect(parseTokenOutput('{"access_token":"t","expires_in":120}', 1000, 60_000, 'w')).toEqual({
      value: 't',
      expiresAt: 121_000,
    });
    expect(() => parseTokenOutput('{"nope":1}', 0, 1, 'mailboxes.0.auth.token')).toThrow(/no access_token/);
  });

  it('caches until close to expiry, refreshes before it, and after invalidate()', async () => {
    let t = 0;
    let runs = 0;
    const provider = createTokenProvider(
      {
        type: 'xoauth2',
        user: 'u',
        token: { command: ['get-token'], timeoutMs: 1000 },
        tokenLifetimeMs: 3_600_000,
        refreshMarginMs: 300_000,
      },
      'mailboxes.0.auth.token',
      {
        now: () => t,
        run: async () => `{"access_token":"tok-${++runs}","expires_in":3600}`,
      },
    );
    expect(await provider.get()).toBe('tok-1');
    t = 3_000_000; // 50 min: still 10 min left
    expect(await provider.get()).toBe('tok-1');
    t = 3_400_000; // inside the 5 min refresh margin
    expect(await provider.get()).toBe('tok-2');
    provider.invalidate(); // the server refused it
    expect(await provider.get()).toBe('tok-3');
  });

  it('runs a real token command and reports its failure without its output', async () => {
    const ok = createTokenProvider(
      {
        type: 'xoauth2',
        user: 'u',
        token: { command: ['/bin/echo', 'real-token'], timeoutMs: 5000 },
        tokenLifetimeMs: 60_000,
        refreshMarginMs: 0,
      },
      'w',
    );
    expect(await ok.get()).toBe('real-token');
    const bad = createTokenProvider(
      {
        type: 'xoauth2',
        user: 'u',
        token: { command: ['/bin/sh', '-c', 'echo leaked-secret >&2; exit 3'], timeoutMs: 5000 },
        tokenLifetimeMs: 60_000,
        refreshMarginMs: 0,
      },
      'w',
    );
    const err = await bad.get().catch((e: Error) => e);
    expect((err as Error).message).toMatch(/token command \/bin\/sh failed/);
    expect((err as Error).message).not.toContain('leaked-secret');
  });
});
