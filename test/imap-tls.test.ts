/**
 * The IMAP connection's TLS modes against a real Dovecot with `ssl = required` and a certificate
 * from a throw-away CA: implicit TLS (RFC 8314), STARTTLS (RFC 3501 6.2.1 / RFC 2595), certificate
 * verification that stays on, and cleartext refused by the server.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapMailSource } from '../src/imap/source.js';
import { DOVECOT_PART, Dovecot, OPENSSL_PART } from './helpers/dovecot.js';
import { realPartsAvailable } from './helpers/real-parts.js';
import { mailboxFor, sourceFor, testMail } from './helpers/imap-fixtures.js';

const available = realPartsAvailable(import.meta.url, DOVECOT_PART, OPENSSL_PART);

describe.skipIf(!available)('IMAP TLS modes against a real Dovecot (ssl = required)', () => {
  let dovecot: Dovecot;
  let dir: string;

  beforeAll(async () => {
    dovecot = new Dovecot({ tls: true });
    await dovecot.start();
    dir = mkdtempSync(join(tmpdir(), 'm2t-imaptls-'));
    // "The MTA": deliver one mail over implicit TLS (cleartext login is refused by the server).
    const u = dovecot.users[0]!;
    const mta = new ImapFlow({
      host: dovecot.remoteHost,
      port: dovecot.tlsPort,
      secure: true,
      tls: { ca: readFileSync(dovecot.caFile) },
      auth: { user: u.user, pass: u.password },
      logger: false,
      disableAutoIdle: true,
    });
    await mta.connect();
    await mta.append('INBOX', testMail('tls-1'));
    await mta.logout();
  }, 60_000);
  afterAll(async () => {
    await dovecot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function source(overrides: Parameters<typeof mailboxFor>[1]) {
    // remoteHost, not 127.0.0.1: Dovecot treats same-IP loopback as secured (see the harness).
    const mb = mailboxFor(dovecot, { host: dovecot.remoteHost, ...overrides });
    return sourceFor(mb, dir);
  }

  async function openError(src: ImapMailSource): Promise<Error & { code?: string; retryable?: boolean }> {
    return src.open(new AbortController().signal).then(
      () => new Error('connected'),
      (e: Error) => e,
    );
  }

  it('implicit TLS with caFile = the test CA connects, lists and fetches', async () => {
    const src = source({ port: dovecot.tlsPort, tls: { mode: 'implicit', caFile: dovecot.caFile } });
    const info = await src.open(new AbortController().signal);
    expect(info.exists).toBe(1);
    const uids = await src.listUids(1);
    expect(uids).toEqual([1]);
    const meta = await src.fetchMeta(1);
    expect(meta?.messageId).toBe('<mail-tls-1@test.example>');
    const raw = await src.fetchRaw(meta!);
    expect(raw?.kind === 'buffer' && raw.data.toString()).toBe(testMail('tls-1'));
    await src.close();
  });

  it('implicit TLS verifies the name: servername "localhost" matches the certificate', async () => {
    const src = source({
      port: dovecot.tlsPort,
      tls: { mode: 'implicit', caFile: dovecot.caFile, servername: 'localhost' },
    });
    expect((await src.open(new AbortController().signal)).exists).toBe(1);
    await src.close();
  });

  it('STARTTLS with the test CA upgrades the cleartext port, then logs in and fetches', async () => {
    const src = source({ port: dovecot.port, tls: { mode: 'starttls', caFile: dovecot.caFile } });
    await src.open(new AbortController().signal);
    const meta = await src.fetchMeta(1);
    expect(meta?.messageId).toBe('<mail-tls-1@test.example>');
    await src.close();
  });

  for (const [mode, port] of [
    ['implicit', () => dovecot.tlsPort],
    ['starttls', () => dovecot.port],
  ] as const) {
    it(`${mode}: without the CA (system trust) the certificate is refused with a clear E_IMAP error`, async () => {
      const src = source({ port: port(), tls: { mode } });
      const err = await openError(src);
      expect(err).toMatchObject({ code: 'E_IMAP' });
      expect(err.message).toContain(`cannot connect to ${dovecot.remoteHost}:${port()}`);
      // Node's verification error (the test CA is not in the system store), e.g.
      // "mailboxes.0: cannot connect to 127.0.0.2:port: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)".
      expect(err.message).toMatch(/certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED/i);
      expect(err.message).not.toContain(dovecot.users[0]!.password);
    });
  }

  it('a certificate for another name is refused even with the right CA', async () => {
    const src = source({
      port: dovecot.tlsPort,
      tls: { mode: 'implicit', caFile: dovecot.caFile, servername: 'imap.example.com' },
    });
    const err = await openError(src);
    expect(err).toMatchObject({ code: 'E_IMAP' });
    expect(err.message).toMatch(/imap\.example\.com|altnames|ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('tls.mode none against ssl = required fails at login instead of hanging', async () => {
    const src = source({ port: dovecot.port, tls: { mode: 'none' } });
    const err = await openError(src);
    expect(err).toMatchObject({ code: 'E_IMAP' });
    // Dovecot advertises LOGINDISABLED; imapflow sends no password, and the error names the fix
    // rather than blaming the (correct) password.
    expect(err.message).toContain(
      `mailboxes.0: ${dovecot.remoteHost}:${dovecot.port} refuses login without TLS`,
    );
    expect(err.message).not.toContain('authentication failed');
    expect(err.message).not.toContain(dovecot.users[0]!.password);
  });
});
