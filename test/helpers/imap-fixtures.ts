import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { type MailboxConfig, mailboxConfigSchema } from '../../src/daemon/config-schema.js';
import { credentialsFor } from '../../src/imap/connection.js';
import { ImapMailSource } from '../../src/imap/source.js';
import { silentLogger } from '../../src/logger.js';
import type { Dovecot } from './dovecot.js';

export function mailboxFor(
  dovecot: Dovecot,
  overrides: Partial<Record<keyof MailboxConfig, unknown>> & { port?: number } = {},
): MailboxConfig {
  const u = dovecot.users[0]!;
  return mailboxConfigSchema.parse({
    name: 'main',
    host: '127.0.0.1',
    port: dovecot.port,
    tls: { mode: 'none' },
    auth: { type: 'password', user: u.user, password: u.password },
    ...overrides,
  });
}

/** The real IMAP source for a test mailbox, spooling mail above `spoolThresholdBytes` under `dir`. */
export function sourceFor(mb: MailboxConfig, dir: string, spoolThresholdBytes = 1024 * 1024): ImapMailSource {
  return new ImapMailSource({
    mailbox: mb,
    where: 'mailboxes.0',
    credentials: credentialsFor(mb, 'mailboxes.0'),
    logger: silentLogger(),
    socketTimeoutMs: 60_000,
    spoolThresholdBytes,
    spoolDir: join(dir, 'spool'),
  });
}

export function testMail(n: number | string, extra = '', body = `Body of mail ${n}.`): string {
  const headers = [
    'From: Customer <customer@example.com>',
    'To: support@example.com',
    `Subject: Test mail ${n}`,
    `Message-Id: <mail-${n}@test.example>`,
    'Date: Mon, 06 Jan 2025 10:00:00 +0100',
  ];
  if (extra) headers.push(extra);
  return `${headers.join('\r\n')}\r\n\r\n${body}\r\n`;
}

/** A second client that plays "the MTA": appends mail with IMAP APPEND. */
export class Appender {
  private client: ImapFlow;
  constructor(dovecot: Dovecot, user = dovecot.users[0]!) {
    this.client = new ImapFlow({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: user.user, pass: user.password },
      logger: false,
      disableAutoIdle: true,
    });
  }
  async connect(): Promise<this> {
    await this.client.connect();
    return this;
  }
  async append(raw: string, folder = 'INBOX'): Promise<void> {
    const r = await this.client.append(folder, raw);
    if (!r) throw new Error('APPEND failed');
  }
  /**
   * Flags of every message in a folder, by Message-Id.
   *
   * imapflow yields every untagged FETCH that arrives during the command, and Dovecot sends one,
   * unasked, when another session (the daemon) changes a message's flags (RFC 3501 7.4.2, 5.2).
   * Such a row has FLAGS and no ENVELOPE. Counting it as a message of its own made "13 mails
   * \Seen" true while the 13th was still unread (a CI failure of daemon-e2e, reproduced under
   * load). Rows are merged per sequence number instead, the later FLAGS winning: RFC 3501 7.4.2
   * makes each FLAGS item the message's whole current set.
   */
  async flags(folder = 'INBOX'): Promise<Map<string, Set<string>>> {
    const lock = await this.client.getMailboxLock(folder);
    try {
      await this.client.noop(); // take in EXPUNGEs caused by other sessions
      const bySeq = new Map<number, { messageId?: string; flags: Set<string> }>();
      const box = this.client.mailbox;
      if (box && box.exists > 0) {
        for await (const m of this.client.fetch('1:*', { envelope: true, flags: true })) {
          const row = bySeq.get(m.seq) ?? { flags: new Set<string>() };
          if (m.envelope) row.messageId = m.envelope.messageId ?? `uid-${m.uid}`;
          if (m.flags) row.flags = m.flags;
          bySeq.set(m.seq, row);
        }
      }
      const out = new Map<string, Set<string>>();
      for (const { messageId, flags } of bySeq.values()) if (messageId) out.set(messageId, flags);
      return out;
    } finally {
      lock.release();
    }
  }
  async close(): Promise<void> {
    await this.client.logout().catch(() => this.client.close());
  }
}

/** A config file's `mailboxes` entry for a Dovecot test user (plain IMAP on loopback). */
export function mailboxEntry(
  dovecot: Dovecot,
  u: { user: string; password: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: u.user,
    host: '127.0.0.1',
    port: dovecot.port,
    tls: { mode: 'none' },
    auth: { type: 'password', user: u.user, password: u.password },
    ...extra,
  };
}
