import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { writeQuarantine } from '../src/daemon/quarantine.js';
import { cliAsync } from './helpers/cli-async.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender, mailboxFor, sourceFor } from './helpers/imap-fixtures.js';
import { startSandbox } from './helpers/sandbox.js';

const available = dovecotAvailable(import.meta.url);

describe.skipIf(!available)('mail2ticket quarantine retry flags the mail on the server (Dovecot)', () => {
  it('left in place: after the API accepts it, \\Seen in the folder and the state says done', async () => {
    const dovecot = new Dovecot();
    await dovecot.start();
    const MAIL = new URL('../fixtures/mail/001-plain-text-lf.eml', import.meta.url).pathname;
    const sandbox = await startSandbox({ seed: [MAIL] });
    try {
      const dir = mkdtempSync(join(tmpdir(), 'm2t-qretry-'));
      const raw = readFileSync(MAIL);
      const messageId = /^Message-ID:\s*(\S+)/im.exec(raw.toString('latin1'))![1]!;
      const appender = await new Appender(dovecot).connect();
      await appender.append(raw.toString('utf8'));
      const source = sourceFor(mailboxFor(dovecot), dir);
      const info = await source.open(new AbortController().signal);
      await source.close();
      const store = new SqliteStateStore(join(dir, 'state'));
      const state = store.mailbox('main');
      await state.syncUidValidity(info.uidValidity, Date.now());
      await state.firstSeen(1, messageId, Date.now());
      await state.markQuarantined(1, 'E_API_REJECTED: no', messageId, Date.now());
      await state.markApplied(1);
      await store.close();
      writeQuarantine(
        join(dir, 'state'),
        { kind: 'buffer', data: raw },
        {
          mailbox: 'main',
          folder: 'INBOX',
          uid: 1,
          uidValidity: info.uidValidity,
          messageId,
          code: 'E_API_REJECTED',
          message: 'no',
          attempts: 1,
          firstSeen: new Date().toISOString(),
          quarantinedAt: new Date().toISOString(),
          serverAction: 'left in place, unread',
        },
      );
      const config = join(dir, 'config.json');
      writeFileSync(
        config,
        JSON.stringify({
          stateDir: join(dir, 'state'),
          api: { baseUrl: sandbox.apiUrl, auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' } },
          mailboxes: [mailboxFor(dovecot)],
        }),
      );
      expect((await appender.flags()).get(messageId)?.has('\\Seen')).toBe(false);
      const r = await cliAsync(['quarantine', 'retry', `main/${info.uidValidity}-1`, '--config', config]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toBe(
        `main/${info.uidValidity}-1: updated; removed from quarantine; flagged \\Seen in INBOX\n`,
      );
      expect((await appender.flags()).get(messageId)?.has('\\Seen')).toBe(true);
      await appender.close();
      const s = JSON.parse((await cliAsync(['status', '--config', config, '--json'])).stdout);
      expect(s.mailboxes[0]).toMatchObject({ lastUidDone: 1, quarantined: 0, backlog: 0 });
    } finally {
      await sandbox.close();
      await dovecot.stop();
    }
  });
});
