import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { describe, expect, it } from 'vitest';
import { writeQuarantine } from '../src/daemon/quarantine.js';
import { cliAsync } from './helpers/cli-async.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender, mailboxFor } from './helpers/imap-fixtures.js';
import { startSandbox } from './helpers/sandbox.js';

/**
 * Issue 17: `quarantine retry` of daemon mail does on the server what `afterSuccess` says. The
 * other half of test/quarantine-dovecot.test.ts: the daemon had moved the mail to its
 * `quarantineFolder` (a new UID there), and the mailbox says `afterSuccess: "move"`: the retry finds
 * the mail in that folder by its Message-Id and moves it to `processedFolder`.
 */
const available = dovecotAvailable(import.meta.url);

describe.skipIf(!available)(
  'mail2ticket quarantine retry of mail moved to the quarantine folder (Dovecot)',
  () => {
    it('afterSuccess "move": found by Message-Id in the quarantine folder, moved to processedFolder', async () => {
      const dovecot = new Dovecot();
      await dovecot.start();
      const MAIL = new URL('../fixtures/mail/003-gmail-multipart-alternative.eml', import.meta.url).pathname;
      const sandbox = await startSandbox({ seed: [MAIL] });
      const appender = await new Appender(dovecot).connect();
      try {
        const dir = mkdtempSync(join(tmpdir(), 'm2t-qmove-'));
        const raw = readFileSync(MAIL);
        const messageId = /^Message-ID:\s*(\S+)/im.exec(raw.toString('latin1'))![1]!;
        // Where the daemon's move left it: the quarantine folder, under a UID of that folder.
        const u = dovecot.users[0]!;
        const imap = new ImapFlow({
          host: '127.0.0.1',
          port: dovecot.port,
          secure: false,
          doSTARTTLS: false,
          auth: { user: u.user, pass: u.password },
          logger: false,
        });
        await imap.connect();
        await imap.mailboxCreate('Quarantine');
        await imap.mailboxCreate('Done');
        await imap.append('Quarantine', raw);
        await imap.logout();
        writeQuarantine(
          join(dir, 'state'),
          { kind: 'buffer', data: raw },
          {
            mailbox: 'main',
            folder: 'INBOX',
            uid: 7,
            uidValidity: '1700000000',
            messageId,
            code: 'E_UNMATCHED',
            message: `no ticket message has the Message-Id ${messageId}`,
            attempts: 5,
            firstSeen: new Date().toISOString(),
            quarantinedAt: new Date().toISOString(),
            serverAction: 'moved to Quarantine',
          },
        );
        const config = join(dir, 'config.json');
        writeFileSync(
          config,
          JSON.stringify({
            stateDir: join(dir, 'state'),
            api: { baseUrl: sandbox.apiUrl, auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' } },
            mailboxes: [
              mailboxFor(dovecot, {
                quarantineFolder: 'Quarantine',
                afterSuccess: 'move',
                processedFolder: 'Done',
              }),
            ],
          }),
        );
        const r = await cliAsync(['quarantine', 'retry', 'main/1700000000-7', '--config', config]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toBe('main/1700000000-7: updated; removed from quarantine; moved to Done\n');
        expect([...(await appender.flags('Quarantine')).keys()]).toEqual([]);
        expect([...(await appender.flags('Done')).keys()]).toEqual([messageId]);
        const list = await cliAsync(['quarantine', 'list', '--config', config]);
        expect([list.code, list.stdout]).toEqual([0, 'nothing quarantined\n']);
      } finally {
        await appender.close();
        await sandbox.close();
        await dovecot.stop();
      }
    });
  },
);
