import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { bytesOf, mailWithFiles, seedMail, sha256 } from './helpers/attachment-mail.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender } from './helpers/imap-fixtures.js';

/**
 * Issue 14 "Done when": the built daemon against a real Dovecot flags a mail with files \Seen only
 * after every upload was accepted. While SuperOffice refuses to connect the files (500 on every
 * connect) the mail stays unread in INBOX through several attempts; when it accepts them, the mail
 * is flagged, and each file is on its message once.
 */
const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const available = dovecotAvailable(import.meta.url);
const MID = '<daemon-files@example.com>';
const CONNECT = 'POST /TicketMessage/\\d+/Attachment$';

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)(
  'daemon: a mail with files is \\Seen only after every upload (Dovecot + built CLI)',
  () => {
    let dovecot: Dovecot;
    let sandbox: Sandbox;
    let appender: Appender;
    let daemon: ChildProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'm2t-attach-dovecot-'));
    const pdf = bytesOf(500_000, 31);
    const png = bytesOf(20_000, 32);

    beforeAll(async () => {
      dovecot = new Dovecot({ users: [{ user: 'desk', password: 'desk-pw-4711' }] });
      await dovecot.start();
      mkdirSync(join(dir, 'seed'));
      writeFileSync(join(dir, 'seed', 's.eml'), seedMail(MID));
      sandbox = await startSandbox({ seed: [join(dir, 'seed')] });
      appender = await new Appender(dovecot).connect();
      const raw = mailWithFiles(MID, [
        { headers: ['Content-Type: application/pdf; name="contract.pdf"'], content: pdf },
        {
          headers: ['Content-Type: image/png', 'Content-Disposition: attachment; filename="screen.png"'],
          content: png,
        },
      ]);
      await appender.append(raw.toString('latin1'));
    });

    afterAll(async () => {
      if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
      await appender?.close();
      await sandbox?.close();
      await dovecot?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    const seen = async () => (await appender.flags('INBOX')).get(MID)?.has('\\Seen') === true;

    it('holds the mail unread while connecting fails, flags it once every file is on its message', async () => {
      sandbox.setFaults({ match: CONNECT, errorRate: 1 });
      const config = {
        stateDir: join(dir, 'state'),
        api: {
          baseUrl: sandbox.apiUrl,
          auth: sandboxApiAuth(),
          retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
        },
        mailboxes: [
          {
            name: 'desk',
            host: '127.0.0.1',
            port: dovecot.port,
            tls: { mode: 'none' },
            auth: { type: 'password', user: 'desk', password: 'desk-pw-4711' },
            quarantineFolder: 'Quarantine',
          },
        ],
        daemon: { maxAttempts: 100, deferredRetryScheduleMs: [200], recheckIntervalMs: 1000 },
      };
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      let output = '';
      daemon = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'config.json')], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      daemon.stdout!.on('data', (c: Buffer) => {
        output += c.toString();
      });
      daemon.stderr!.on('data', (c: Buffer) => {
        output += c.toString();
      });

      // Several attempts, each failing to connect (2 requests per attempt): the mail stays unread.
      await waitFor(
        () => (sandbox.state().counters.faults['500'] ?? 0) >= 6,
        'three failed attempts',
        60_000,
      );
      expect(await seen()).toBe(false);
      const held = sandbox.state();
      expect(held.attachments.every((a) => a.connectedTo.length === 0)).toBe(true);
      expect(held.counters.attachments).toBe(1); // the first file's row, reused by every attempt

      sandbox.setFaults({});
      await waitFor(seen, 'the mail flagged \\Seen', 60_000);
      const s = sandbox.state();
      const msg = s.messages.find((m) => m.MessageId === MID)!;
      expect(s.attachments.map((a) => a.sha256).sort()).toEqual([sha256(pdf), sha256(png)].sort());
      for (const a of s.attachments) expect(a.connectedTo).toEqual([msg.EjMessageId]);
      expect(s.counters.attachments).toBe(2);
      expect((await appender.flags('Quarantine').catch(() => new Map())).size).toBe(0);

      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
      expect(daemon.exitCode, output).toBe(0);
    }, 180_000);
  },
);
