import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeQuarantine } from '../src/daemon/quarantine.js';
import { cliAsync } from './helpers/cli-async.js';
import { freePort } from './helpers/dovecot.js';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

const MAIL = new URL('../fixtures/mail/001-plain-text-lf.eml', import.meta.url).pathname;

describe('mail2ticket quarantine (built bin, against the sandbox)', () => {
  let sandbox: Sandbox;
  let dir: string;
  let config: string;
  const raw = readFileSync(MAIL);
  const messageId = /^Message-ID:\s*(\S+)/im.exec(raw.toString('latin1'))![1]!;

  const quarantine = (uid: number, code = 'E_API_REJECTED') =>
    writeQuarantine(
      join(dir, 'state'),
      { kind: 'buffer', data: raw },
      {
        mailbox: 'support',
        folder: 'INBOX',
        uid,
        uidValidity: '1700000000',
        messageId,
        code,
        message: `the API said no </script> (${uid})`,
        attempts: 3,
        firstSeen: '2025-03-01T10:00:00.000Z',
        quarantinedAt: `2025-03-01T10:0${uid}:00.000Z`,
        serverAction: 'left in place, unread',
      },
    );

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: [MAIL] });
    dir = mkdtempSync(join(tmpdir(), 'm2t-quarantine-'));
    config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        stateDir: join(dir, 'state'),
        api: { baseUrl: sandbox.apiUrl, auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' } },
        mailboxes: [
          {
            name: 'support',
            host: '127.0.0.1',
            port: await freePort(),
            tls: { mode: 'none' },
            auth: { type: 'password', user: 'support', password: 'secret-imap-password' },
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('list and show', async () => {
    expect((await cliAsync(['quarantine', 'list', '--config', config])).stdout).toBe('nothing quarantined\n');
    quarantine(1);
    quarantine(2, 'E_MIME_MALFORMED');
    const l = await cliAsync(['quarantine', 'list', '--config', config]);
    expect(l.code).toBe(0);
    expect(l.stdout.split('\n')).toEqual([
      'support/1700000000-1  2025-03-01T10:01:00.000Z  E_API_REJECTED  the API said no </script> (1)',
      'support/1700000000-2  2025-03-01T10:02:00.000Z  E_MIME_MALFORMED  the API said no </script> (2)',
      '2 quarantined',
      '',
    ]);
    const s = await cliAsync(['quarantine', 'show', 'support/1700000000-2', '--config', config]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('mailbox:       support (folder INBOX, UID 2, UIDVALIDITY 1700000000)');
    expect(s.stdout).toContain(`message-id:    ${messageId}`);
    expect(s.stdout).toMatch(/^subject: +\S/m);
    expect(s.stdout).toContain('code:          E_MIME_MALFORMED');
    expect(s.stdout).toContain('on the server: left in place, unread');
    const missing = await cliAsync(['quarantine', 'show', 'support/1-99', '--config', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^mail2ticket quarantine: no quarantined mail support\/1-99 under .*\n$/);
  });

  it('retry runs the mail live: accepted, removed, the server action reported (owed: IMAP is down)', async () => {
    const r = await cliAsync(['quarantine', 'retry', 'support/1700000000-1', '--config', config]);
    expect(r.code, r.stderr).toBe(0);
    // The state has never seen this mailbox (no daemon ran here): no UIDVALIDITY to trust, so by hand.
    expect(r.stdout).toMatch(
      /^support\/1700000000-1: updated; removed from quarantine; the server action is owed \(.*\); do it by hand\n$/,
    );
    expect(r.stdout + r.stderr).not.toContain('secret-imap-password');
    expect(existsSync(join(dir, 'state', 'quarantine', 'support', '1700000000-1.eml'))).toBe(false);
    // The sandbox's message with this Message-Id was updated by the retry.
    const state = sandbox.state();
    expect(state.messages.some((m) => m.MessageId === messageId)).toBe(true);
    const l = await cliAsync(['quarantine', 'list', '--config', config]);
    expect(l.stdout).toContain('1 quarantined');
  });

  it('drop: refuses without --yes off a terminal, drops with --yes', async () => {
    const no = await cliAsync(['quarantine', 'drop', 'support/1700000000-2', '--config', config]);
    expect(no.code).toBe(2);
    expect(no.stderr).toBe(
      'mail2ticket quarantine: drop support/1700000000-2 needs --yes when not run on a terminal\n',
    );
    expect(existsSync(join(dir, 'state', 'quarantine', 'support', '1700000000-2.eml'))).toBe(true);
    const yes = await cliAsync(['quarantine', 'drop', 'support/1700000000-2', '--yes', '--config', config]);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toBe('dropped support/1700000000-2\n');
    expect((await cliAsync(['quarantine', 'list', '--config', config])).stdout).toBe('nothing quarantined\n');
    expect((await cliAsync(['quarantine', 'retry', '--all', '--config', config])).stdout).toBe(
      'nothing quarantined\n',
    );
  });

  it('bad input: one line and the usage, exit 2', async () => {
    for (const args of [
      ['quarantine'],
      ['quarantine', 'list'],
      ['quarantine', 'frobnicate', '--config', config],
      ['quarantine', 'retry', '--config', config],
      ['quarantine', 'show', '../../etc/passwd', '--config', config],
    ]) {
      const r = await cliAsync(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^mail2ticket quarantine: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
