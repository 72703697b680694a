import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { writeQuarantine } from '../src/daemon/quarantine.js';
import { Dovecot, dovecotAvailable, freePort } from './helpers/dovecot.js';
import { Appender, mailboxFor, sourceFor, testMail } from './helpers/imap-fixtures.js';
import { cliAsync } from './helpers/cli-async.js';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

const available = dovecotAvailable(import.meta.url);

describe.skipIf(!available)('mail2ticket status (against Dovecot and the sandbox)', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  let dir: string;
  const api = () => ({
    baseUrl: sandbox.apiUrl,
    auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' },
  });
  const writeConfig = (name: string, overrides: Record<string, unknown> = {}) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      JSON.stringify({
        stateDir: join(dir, 'state'),
        api: api(),
        mailboxes: [mailboxFor(dovecot)],
        ...overrides,
      }),
    );
    return path;
  };

  beforeAll(async () => {
    dovecot = new Dovecot();
    await dovecot.start();
    sandbox = await startSandbox();
    dir = mkdtempSync(join(tmpdir(), 'm2t-status-'));
    const appender = await new Appender(dovecot).connect();
    for (const n of [1, 2, 3]) await appender.append(testMail(n));
    await appender.close();
    // The daemon's state as it would be: mail 1 done, mail 2 deferred.
    const source = sourceFor(mailboxFor(dovecot), dir);
    const info = await source.open(new AbortController().signal);
    await source.close();
    const store = new SqliteStateStore(join(dir, 'state'));
    const state = store.mailbox('main');
    const now = Date.parse('2025-03-01T12:00:00Z');
    await state.syncUidValidity(info.uidValidity, now);
    await state.firstSeen(1, '<mail-1@test.example>', now);
    await state.beginAttempt(1, '<mail-1@test.example>', now);
    await state.markAccepted(1, 'updated', '<mail-1@test.example>', now);
    await state.markApplied(1);
    await state.firstSeen(2, '<mail-2@test.example>', now);
    await state.beginAttempt(2, '<mail-2@test.example>', now);
    await state.markDeferred(2, 'E_API_UNAVAILABLE: 503 from the API', now + 60_000);
    await store.close();
  });
  afterAll(async () => {
    await sandbox?.close();
    await dovecot?.stop();
  });

  it('all well: exit 0, and the JSON names every field per mailbox', async () => {
    const r = await cliAsync(['status', '--config', writeConfig('ok.json'), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toEqual({
      ok: true,
      api: { ok: true, detail: expect.any(String) },
      mailboxes: [
        {
          name: 'main',
          folder: 'INBOX',
          uidValidity: expect.stringMatching(/^\d+$/),
          lastUidDone: 1,
          backlog: 3,
          deferred: 1,
          quarantined: 0,
          lastSuccess: '2025-03-01T12:00:00.000Z',
          lastError: 'E_API_UNAVAILABLE: 503 from the API',
          imap: { ok: true, detail: '"INBOX": 3 messages, 3 unseen' },
          attention: [],
        },
      ],
    });
    const text = await cliAsync(['status', '--config', writeConfig('ok.json')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('main (INBOX): last UID done 1, backlog 3, deferred 1, quarantined 0');
    expect(text.stdout.trim().split('\n').at(-1)).toBe('all well');
  });

  it('exit 1 when something needs attention: a quarantined mail, the API or IMAP down', async () => {
    const cfg = writeConfig('ok.json');
    writeQuarantine(
      join(dir, 'state'),
      { kind: 'buffer', data: Buffer.from(testMail(3)) },
      {
        mailbox: 'main',
        folder: 'INBOX',
        uid: 3,
        uidValidity: '1',
        code: 'E_MIME_MALFORMED',
        message: 'bad',
        attempts: 1,
        firstSeen: '2025-03-01T12:00:00.000Z',
        quarantinedAt: '2025-03-01T12:00:00.000Z',
        serverAction: 'left in place, unread',
      },
    );
    const q = JSON.parse((await cliAsync(['status', '--config', cfg, '--json'])).stdout);
    expect(q.ok).toBe(false);
    expect(q.mailboxes[0].quarantined).toBe(1);
    expect(q.mailboxes[0].attention).toEqual(['1 quarantined (see "mail2ticket quarantine list")']);
    expect((await cliAsync(['status', '--config', cfg])).code).toBe(1);

    const deadApi = writeConfig('dead-api.json', {
      api: { ...api(), baseUrl: `http://127.0.0.1:${await freePort()}/api` },
    });
    const a = await cliAsync(['status', '--config', deadApi, '--json']);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout).api.ok).toBe(false);

    const u = dovecot.users[0]!;
    const deadImap = writeConfig('dead-imap.json', {
      mailboxes: [mailboxFor(dovecot, { port: await freePort() })],
    });
    const i = await cliAsync(['status', '--config', deadImap, '--json']);
    expect(i.code).toBe(1);
    const mb = JSON.parse(i.stdout).mailboxes[0];
    expect(mb.imap.ok).toBe(false);
    expect(mb.backlog).toBeNull();
    expect(i.stdout).not.toContain(u.password);
  });

  it('usage: exit 2 with one line', async () => {
    const r = await cliAsync(['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'mail2ticket status: --config FILE is required\nusage: mail2ticket status --config FILE [--json]\n',
    );
  });
});
