/**
 * SASL XOAUTH2/OAUTHBEARER (RFC 7628) against a real Dovecot whose oauth2 passdb checks each token
 * at a token introspection endpoint (RFC 7662) served by this test: login, fetch, and the token
 * rotation path (server refuses the cached token -> provider invalidated -> next connection reads
 * the new token).
 */
import { type IncomingMessage, type Server, createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapMailSource } from '../src/imap/source.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender, mailboxFor, sourceFor, testMail } from './helpers/imap-fixtures.js';

const available = dovecotAvailable(import.meta.url);

/** The token an introspection request asks about: form body (post), query (get) or bearer header. */
async function tokenOf(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  const url = new URL(req.url ?? '/', 'http://x');
  const fromBody = new URLSearchParams(body).get('token');
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  return fromBody ?? url.searchParams.get('token') ?? bearer ?? '';
}

// Dovecot offers one token mechanism at a time, so each run proves that imapflow speaks it.
describe.skipIf(!available).each(['xoauth2', 'oauthbearer'] as const)(
  '%s against Dovecot with an oauth2 passdb',
  (mech) => {
    let dovecot: Dovecot;
    let http: Server;
    let appender: Appender;
    let dir: string;
    /** The one token the introspection endpoint currently accepts. */
    let validToken = 'token-A-1111';
    const asked: string[] = [];

    beforeAll(async () => {
      http = createServer((req, res) => {
        void tokenOf(req).then((token) => {
          asked.push(token);
          const active = token === validToken;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(active ? { active: true, username: 'alice' } : { active: false }));
        });
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
      const addr = http.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      dovecot = new Dovecot({
        oauth2: { introspectionUrl: `http://127.0.0.1:${port}/introspect`, mechanisms: [mech] },
      });
      await dovecot.start();
      expect(dovecot.log()).not.toMatch(/Fatal|Error/);
      appender = await new Appender(dovecot).connect(); // password login still works (passwd-file)
      await appender.append(testMail('oauth-1'));
      dir = mkdtempSync(join(tmpdir(), 'm2t-xoauth2-'));
    }, 60_000);
    afterAll(async () => {
      await appender?.close();
      await dovecot?.destroy();
      await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function source(auth: Record<string, unknown>) {
      const mb = mailboxFor(dovecot, { auth: { type: 'xoauth2', user: 'alice', ...auth } });
      return sourceFor(mb, dir);
    }

    async function openError(src: ImapMailSource): Promise<Error & { code?: string }> {
      return src.open(new AbortController().signal).then(
        () => new Error('connected'),
        (e: Error) => e,
      );
    }

    it('logs in with a token from a file and fetches', async () => {
      const file = join(dir, 'token-file');
      writeFileSync(file, `${validToken}\n`);
      const src = source({ token: { file } });
      asked.length = 0;
      await src.open(new AbortController().signal);
      expect(asked).toContain(validToken); // Dovecot really asked the introspection endpoint
      // Dovecot's login line names the SASL mechanism the client used.
      expect(dovecot.log()).toMatch(new RegExp(`Login: user=<alice>, method=${mech.toUpperCase()}`));
      const meta = await src.fetchMeta((await src.listUids(1))[0]!);
      expect(meta?.messageId).toBe('<mail-oauth-1@test.example>');
      const raw = await src.fetchRaw(meta!);
      expect(raw?.kind === 'buffer' && raw.data.toString()).toBe(testMail('oauth-1'));
      await src.close();
    });

    it('a token the server refuses is an E_IMAP auth error that never shows the token', async () => {
      const src = source({ token: { command: ['/bin/echo', 'bogus-token-9999'] } });
      const err = await openError(src);
      expect(err).toMatchObject({ code: 'E_IMAP' });
      expect(err.message).toContain('authentication failed for user alice');
      expect(err.message).not.toContain('bogus-token-9999');
    });

    it('after rotation the refused cached token is refreshed and the next connection succeeds', async () => {
      const file = join(dir, 'rotating-token');
      validToken = 'token-A-2222';
      writeFileSync(file, JSON.stringify({ access_token: validToken, expires_in: 3600 }));
      // The token command reads the file a sidecar keeps fresh; output is the token endpoint's JSON.
      const src = source({ token: { command: ['/bin/cat', file] } });
      await src.open(new AbortController().signal);
      await src.close();

      // The identity provider rotates: only the new token is valid; the cached one (1 h left) is not.
      validToken = 'token-B-3333';
      writeFileSync(file, JSON.stringify({ access_token: validToken, expires_in: 3600 }));
      asked.length = 0;
      const err = await openError(src);
      expect(err).toMatchObject({ code: 'E_IMAP' });
      expect(err.message).toContain('authentication failed for user alice');
      expect(asked).toEqual(['token-A-2222']); // the cached token was tried, not re-read

      asked.length = 0;
      const info = await src.open(new AbortController().signal);
      expect(info.exists).toBeGreaterThan(0);
      expect(asked).toEqual(['token-B-3333']); // the auth failure made the provider fetch anew
      await src.close();
    });
  },
);
