import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { seedStore } from '../src/sandbox/seed.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';

/**
 * The whole product, as a user runs it: the built `mail2ticket run` against a real Dovecot and
 * the SuperOffice sandbox, with the real pipeline (parse, classify, thread, map, PUT).
 */
const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const available = dovecotAvailable(import.meta.url);
const SEEDED = 12;

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)('mail2ticket run end to end (Dovecot + sandbox + real pipeline)', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  let appender: Appender;
  let daemon: ChildProcess;
  let stderr = '';
  const dir = mkdtempSync(join(tmpdir(), 'm2t-e2e-'));
  const bounceOfMail1 = [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: support@example.com',
    'Subject: Undelivered Mail Returned to Sender',
    'Message-Id: <bounce-1@mx.example.net>',
    'Date: Mon, 06 Jan 2025 10:05:00 +0100',
    'Auto-Submitted: auto-replied',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your mail could not be delivered.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    'Final-Recipient: rfc822; gone@example.org',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    'From: support@example.com',
    'Message-Id: <mail-1@test.example>',
    'Subject: Test mail 1',
    '--B--',
    '',
  ].join('\r\n');

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [{ user: 'desk', password: 'desk-pw-4711' }] });
    await dovecot.start();
    // SuperOffice already imported these mails (its own mail import); the daemon must find each
    // by Message-Id and update it. The bounce was imported onto a ticket of its own.
    const seedDir = join(dir, 'seed');
    mkdirSync(seedDir);
    for (let n = 1; n <= SEEDED; n++)
      writeFileSync(join(seedDir, `${String(n).padStart(3, '0')}.eml`), testMail(n));
    writeFileSync(join(seedDir, '100-bounce.eml'), bounceOfMail1);
    sandbox = await startSandbox({ seed: [seedDir] });
    const config = {
      stateDir: join(dir, 'state'),
      api: { baseUrl: sandbox.url, auth: sandboxApiAuth(), retry: { baseDelayMs: 50, maxDelayMs: 500 } },
      mailboxes: [
        {
          name: 'desk',
          host: '127.0.0.1',
          port: dovecot.port,
          tls: { mode: 'none' },
          auth: { type: 'password', user: 'desk', password: 'desk-pw-4711' },
          mailSorter: 'Support desk',
        },
      ],
      daemon: { recheckIntervalMs: 5000, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    appender = await new Appender(dovecot).connect();
    // A backlog before the daemon starts, in order: the mails, then the bounce.
    for (let n = 1; n <= SEEDED; n++) await appender.append(testMail(n));
    await appender.append(bounceOfMail1);
    daemon = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'config.json')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    daemon.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    await appender?.close();
    await sandbox?.close();
    await dovecot?.stop();
  });

  const seen = async () => {
    const flags = await appender.flags();
    return [...flags.entries()].filter(([, f]) => f.has('\\Seen')).map(([id]) => id);
  };

  it('catches up on the backlog: every mail updated through the API, then flagged \\Seen', async () => {
    await waitFor(async () => (await seen()).length === SEEDED + 1, 'the backlog to be flagged', 90_000);
    const state = sandbox.state();
    const byId = new Map(state.messages.map((m) => [m.MessageId, m]));
    for (let n = 1; n <= SEEDED; n++) {
      const m = byId.get(`<mail-${n}@test.example>`)!;
      expect(m.MailSorter, `mail ${n}`).toBe('Support desk');
      expect(m.DebugInfo).toMatch(/^mail2ticket: message/);
    }
    // The bounce: marked Bounce and moved from the ticket the import gave it to mail 1's ticket.
    const bounce = byId.get('<bounce-1@mx.example.net>')!;
    expect(bounce.MessageCategory).toBe('Bounce');
    expect(bounce.TicketId).toBe(byId.get('<mail-1@test.example>')!.TicketId);
    expect(bounce.DebugInfo).toContain('gone@example.org 5.1.1');
  });

  it('picks up a reply appended while it idles and puts it on the thread', async () => {
    // The customer's reply was imported by SuperOffice onto a new ticket (no In-Reply-To match in
    // its import); the daemon re-threads it by References onto mail 2's ticket.
    const reply = testMail('reply-2', 'References: <mail-2@test.example>', 'Thanks!');
    const before = sandbox.state().messages.length;
    writeFileSync(join(dir, 'reply.eml'), reply);
    await seedStore(sandbox.store, [join(dir, 'reply.eml')]);
    expect(sandbox.state().messages.length).toBe(before + 1);
    await appender.append(reply);
    await waitFor(async () => (await seen()).includes('<mail-reply-2@test.example>'), 'the reply', 60_000);
    const byId = new Map(sandbox.state().messages.map((m) => [m.MessageId, m]));
    expect(byId.get('<mail-reply-2@test.example>')!.TicketId).toBe(
      byId.get('<mail-2@test.example>')!.TicketId,
    );
  });

  it('leaves a mail SuperOffice does not know unread (deferred), and drains on SIGTERM with exit 0', async () => {
    await appender.append(testMail('unknown'));
    await waitFor(() => /deferred/.test(stderr), 'a deferred log line', 60_000);
    // still in INBOX, and unread (not.toContain on the list of \Seen mails alone passed for a lost mail too)
    const flags = await appender.flags();
    expect(flags.get('<mail-unknown@test.example>')?.has('\\Seen')).toBe(false);
    const exit = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    daemon.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).not.toContain('desk-pw-4711');
    // Neither the IMAP password nor the API's Basic credentials appear in the logs.
    expect(stderr).not.toContain(Buffer.from('sandbox:sandbox').toString('base64'));
  });
});
