import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../src/commands/run.js';
import { type DaemonConfig, type MailboxConfig, daemonConfigSchema } from '../src/daemon/config-schema.js';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { DaemonMetrics } from '../src/daemon/metrics.js';
import { Supervisor } from '../src/daemon/supervisor.js';
import { pino } from 'pino';
import { silentLogger } from '../src/logger.js';
import { until } from './helpers/fake-source.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { httpProcessMail } from './helpers/http-process-mail.js';
import { Appender, mailboxFor, testMail } from './helpers/imap-fixtures.js';
import { RecordingApi } from './helpers/recording-api.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { parseExposition } from './helpers/prom-text.js';

const available = dovecotAvailable(import.meta.url);
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'].map((u) => ({
  user: u,
  password: `${u}-pw-0123`,
}));

const FAST: Partial<DaemonConfig> = {
  pollIntervalMs: 500,
  recheckIntervalMs: 5000,
  deferredRetryScheduleMs: [300],
  maxAttempts: 3,
  reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
  shutdownGraceMs: 10_000,
};

describe.skipIf(!available)('mailbox daemon against a real Dovecot', () => {
  let dovecot: Dovecot;
  let api: RecordingApi;
  const dirs: string[] = [];

  beforeAll(async () => {
    dovecot = new Dovecot({ users: USERS });
    await dovecot.start();
    api = new RecordingApi();
    await api.start();
  });
  beforeEach(() => {
    // A failed scenario must not leave the API down or poisoned for the next one.
    api.down = false;
    api.poison.clear();
  });
  afterAll(async () => {
    await api?.stop();
    await dovecot?.destroy();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function user(name: string) {
    return USERS.find((u) => u.user === name)!;
  }

  function mailbox(name: string, overrides: Parameters<typeof mailboxFor>[1] = {}): MailboxConfig {
    const u = user(name);
    return mailboxFor(dovecot, {
      name,
      auth: { type: 'password', user: u.user, password: u.password },
      ...overrides,
    });
  }

  function startDaemon(mailboxes: MailboxConfig[], settings: Partial<DaemonConfig> = {}) {
    const stateDir = mkdtempSync(join(tmpdir(), 'm2t-daemon-'));
    dirs.push(stateDir);
    const store = new SqliteStateStore(stateDir);
    const metrics = new DaemonMetrics();
    const supervisor = new Supervisor({
      config: { stateDir, mailboxes, daemon: daemonConfigSchema.parse({ ...FAST, ...settings }) },
      processMailFor: () => httpProcessMail(api.url),
      store,
      logger: process.env.M2T_TEST_LOG ? pino({ level: process.env.M2T_TEST_LOG }) : silentLogger(),
      metrics,
    });
    supervisor.start();
    return {
      stateDir,
      store,
      metrics,
      supervisor,
      stop: async () => {
        const r = await supervisor.stop();
        await store.close();
        return r;
      },
    };
  }

  async function appender(name: string): Promise<Appender> {
    return new Appender(dovecot, user(name)).connect();
  }

  const ids = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `mail-${prefix}-${i + 1}@test.example`);
  const allPut = (list: string[]) => () => list.every((id) => api.puts.has(id));
  async function allSeen(a: Appender, list: string[], folder = 'INBOX'): Promise<boolean> {
    const flags = await a.flags(folder);
    return list.every((id) => flags.get(`<${id}>`)?.has('\\Seen'));
  }

  it('works through a backlog of 300 mails in UID order, then takes new mail from IDLE', async () => {
    const a = await appender('alice');
    for (let i = 1; i <= 300; i++) await a.append(testMail(`backlog-${i}`));
    const d = startDaemon([mailbox('alice')]);
    const list = ids('backlog', 300);
    await until(allPut(list), '300 mails PUT', 120_000);
    await until(() => d.supervisor.health()[0]!.state === 'waiting', 'daemon idling');
    // New mail while the daemon sits in IDLE.
    await a.append(testMail('during-idle'));
    await until(() => api.puts.has('mail-during-idle@test.example'), 'IDLE mail PUT', 30_000);
    await d.stop();
    expect(api.order.filter((id) => id.includes('backlog'))).toEqual(list);
    expect(list.every((id) => api.puts.get(id) === 1)).toBe(true);
    expect(await allSeen(a, [...list, 'mail-during-idle@test.example'])).toBe(true);
    expect(await d.metrics.value(d.metrics.idleWakeups, { mailbox: 'alice' })).toBeGreaterThanOrEqual(1);
    const state = new SqliteStateStore(d.stateDir).mailbox('alice');
    expect(await state.counts()).toEqual({ done: 301 });
    await a.close();
  });

  it('survives a server restart mid-run and a connection cut mid-fetch', async () => {
    const a = await appender('bob');
    const body = `${'y'.repeat(70)}\r\n`.repeat(800); // ~57 KB each, several reads per FETCH
    for (let i = 1; i <= 12; i++) await a.append(testMail(`restart-${i}`, '', body));
    const proxy = new TcpProxy(dovecot.port);
    await proxy.start();
    const d = startDaemon([mailbox('bob', { port: proxy.port })]);
    // Cut the connection in the middle of a FETCH literal.
    proxy.cutAfterBytes(150_000);
    await until(
      () => proxy.cuts >= 1 && api.order.filter((id) => id.includes('restart')).length >= 4,
      'cut happened',
    );
    await dovecot.restart();
    await a.close();
    const a2 = await appender('bob');
    for (let i = 13; i <= 15; i++) await a2.append(testMail(`restart-${i}`));
    const list = ids('restart', 15);
    await until(allPut(list), 'all 15 PUT after restart', 90_000);
    await until(() => d.supervisor.health()[0]!.state === 'waiting', 'idle again', 30_000);
    await d.stop();
    await proxy.stop();
    expect(list.every((id) => api.puts.get(id) === 1)).toBe(true);
    expect(await allSeen(a2, list)).toBe(true);
    expect(await d.metrics.value(d.metrics.reconnects, { mailbox: 'bob' })).toBeGreaterThanOrEqual(2);
    await a2.close();
  });

  it('keeps mail on the server while the API is down and delivers it once the API is back', async () => {
    const a = await appender('carol');
    api.down = true;
    for (let i = 1; i <= 5; i++) await a.append(testMail(`down-${i}`));
    const d = startDaemon([mailbox('carol')], { maxAttempts: 1000, deferredRetryScheduleMs: [200, 400] });
    const state = d.store.mailbox('carol');
    await until(
      async () =>
        ((await state.counts()).deferred ?? 0) === 5 &&
        (await d.metrics.value(d.metrics.retries, { mailbox: 'carol' })) >= 10,
      'retried',
    );
    const list = ids('down', 5);
    expect(list.some((id) => api.puts.has(id))).toBe(false);
    const flags = await a.flags();
    // each mail still in INBOX and unread (a mail missing from the folder is not "unflagged")
    expect(list.filter((id) => flags.get(`<${id}>`)?.has('\\Seen') !== false)).toEqual([]);
    api.down = false;
    await until(allPut(list), 'delivered after the API came back', 30_000);
    await until(async () => ((await state.counts()).done ?? 0) === 5, 'state done');
    await d.stop();
    expect(list.every((id) => api.puts.get(id) === 1)).toBe(true);
    expect(await allSeen(a, list)).toBe(true);
    await a.close();
  });

  it('a mail that always fails ends in quarantine (server folder + raw + reason) while the rest flow', async () => {
    const a = await appender('dave');
    api.poison.add('mail-q-2@test.example');
    for (let i = 1; i <= 4; i++) await a.append(testMail(`q-${i}`, '', i === 2 ? 'POISON BODY' : `ok ${i}`));
    const d = startDaemon([mailbox('dave', { quarantineFolder: 'Quarantine' })]);
    await until(
      async () => (await d.store.mailbox('dave').counts()).quarantined === 1,
      'quarantined',
      30_000,
    );
    await until(
      allPut(['mail-q-1@test.example', 'mail-q-3@test.example', 'mail-q-4@test.example']),
      'others PUT',
    );
    await d.stop();
    const q = await a.flags('Quarantine');
    expect([...q.keys()]).toEqual(['<mail-q-2@test.example>']);
    expect((await a.flags()).has('<mail-q-2@test.example>')).toBe(false);
    const qdir = join(d.stateDir, 'quarantine', 'dave');
    const uv = await new SqliteStateStore(d.stateDir).mailbox('dave').uidValidity();
    expect(readFileSync(join(qdir, `${uv}-2.eml`), 'utf8')).toBe(testMail('q-2', '', 'POISON BODY'));
    const reason = JSON.parse(readFileSync(join(qdir, `${uv}-2.json`), 'utf8'));
    expect(reason).toMatchObject({
      mailbox: 'dave',
      uid: 2,
      code: 'E_API_HTTP',
      attempts: 3,
      serverAction: 'moved to Quarantine',
    });
    expect(reason.message).toContain('HTTP 500');
    api.poison.clear();
    await a.close();
  });

  it('after a UIDVALIDITY reset re-scans and sends only the mail it had not done', async () => {
    const a = await appender('erin');
    for (let i = 1; i <= 5; i++) await a.append(testMail(`uv-${i}`));
    const d = startDaemon([mailbox('erin', { afterSuccess: 'seen' })]);
    const first = ids('uv', 5);
    await until(allPut(first), 'first five');
    await until(() => d.supervisor.health()[0]!.state === 'waiting', 'idle');
    const before = await d.store.mailbox('erin').uidValidity();
    await a.close();
    await dovecot.resetUidValidity('erin', Number(before) + 1000);
    const a2 = await appender('erin');
    for (let i = 6; i <= 7; i++) await a2.append(testMail(`uv-${i}`));
    const all = ids('uv', 7);
    await until(allPut(all), 'the two new ones', 60_000);
    await until(
      async () => (await d.store.mailbox('erin').counts()).done === 7,
      'all seven recorded under the new UIDVALIDITY',
      30_000,
    );
    await d.stop();
    expect(all.every((id) => api.puts.get(id) === 1)).toBe(true);
    const state = new SqliteStateStore(d.stateDir).mailbox('erin');
    expect(await state.uidValidity()).toBe(String(Number(before) + 1000));
    expect(await allSeen(a2, all)).toBe(true);
    await a2.close();
  });

  it('two mailboxes, one with a wrong password: the good one flows, /healthz and /metrics tell which', async () => {
    const a = await appender('frank');
    for (let i = 1; i <= 3; i++) await a.append(testMail(`two-${i}`));
    const stateDir = mkdtempSync(join(tmpdir(), 'm2t-run-'));
    dirs.push(stateDir);
    const cfgPath = join(stateDir, 'config.json');
    const good = {
      ...mailbox('frank'),
      auth: { type: 'password', user: 'frank', password: { env: 'M2T_FRANK_PW' } },
    };
    const broken = mailbox('grace', {
      auth: { type: 'password', user: 'grace', password: 'definitely-wrong' },
    });
    process.env.M2T_FRANK_PW = user('frank').password;
    writeFileSync(
      cfgPath,
      JSON.stringify({ stateDir, mailboxes: [good, broken], daemon: { ...FAST, http: { port: 0 } } }),
    );
    const signals = new EventEmitter();
    let httpPort = 0;
    const logLines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => logLines.push(l) });
    const exitCode = runCommand(['--config', cfgPath], {
      processMailFactory: () => httpProcessMail(api.url),
      signals,
      logger,
      onReady: (info) => {
        httpPort = info.httpPort ?? 0;
      },
    });
    const list = ids('two', 3);
    await until(allPut(list), 'good mailbox delivered', 30_000);
    await until(
      () =>
        logLines.filter((l) => l.includes('"mailbox":"grace"') && l.includes('will reconnect')).length >= 2,
      'broken retried',
    );
    const health = (await (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).json()) as {
      status: string;
      mailboxes: { name: string }[];
    };
    expect(health.status).toBe('degraded');
    const byName = Object.fromEntries(health.mailboxes.map((m) => [m.name, m])) as Record<
      string,
      Record<string, unknown>
    >;
    expect(byName.frank).toMatchObject({ connected: true, backlog: 0 });
    expect(byName.frank!.lastSuccessfulFetchAt).toMatch(/^\d{4}-/);
    expect(byName.grace).toMatchObject({ connected: false, lastSuccessfulFetchAt: null });
    expect(String(byName.grace!.lastError)).toContain('authentication failed for user grace');
    const metrics = parseExposition(await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text());
    expect(
      metrics.value('mail2ticket_mails_total', { mailbox: 'frank', outcome: 'updated', kind: 'message' }),
    ).toBe(3);
    expect(metrics.value('mail2ticket_reconnects_total', { mailbox: 'grace' })).toBeGreaterThanOrEqual(2);
    expect(metrics.value('mail2ticket_api_latency_seconds_count', { mailbox: 'frank' })).toBe(3);
    // secrets never reach the log
    const log = logLines.join('');
    expect(log).not.toContain('definitely-wrong');
    expect(log).not.toContain(user('frank').password);
    signals.emit('SIGTERM');
    expect(await exitCode).toBe(0);
    expect(existsSync(join(stateDir, 'mailboxes.sqlite'))).toBe(true);
    await a.close();
  });

  it('SIGTERM drains the mail in flight and exits 0; a second signal exits at once', async () => {
    const a = await appender('heidi');
    await a.append(testMail('drain-1'));
    await a.append(testMail('drain-2'));
    const stateDir = mkdtempSync(join(tmpdir(), 'm2t-drain-'));
    dirs.push(stateDir);
    const cfgPath = join(stateDir, 'config.json');
    writeFileSync(cfgPath, JSON.stringify({ stateDir, mailboxes: [mailbox('heidi')], daemon: FAST }));
    let release: () => void = () => {};
    const started: number[] = [];
    const processMail = async (_raw: unknown, meta: { uid: number }) => {
      started.push(meta.uid);
      await new Promise<void>((r) => {
        release = r;
      });
      return { outcome: 'updated' as const };
    };
    // First: one signal, the mail in flight finishes and is flagged, the next is not started.
    let signals = new EventEmitter();
    const exits: number[] = [];
    let code = runCommand(['--config', cfgPath], {
      processMailFactory: () => processMail,
      signals,
      logger: silentLogger(),
      exit: (c) => exits.push(c),
    });
    await until(() => started.length === 1, 'first mail in flight');
    signals.emit('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    release();
    expect(await code).toBe(0);
    expect(exits).toEqual([]);
    expect(started).toEqual([1]);
    const flags = await a.flags();
    expect(flags.get('<mail-drain-1@test.example>')?.has('\\Seen')).toBe(true);
    expect(flags.get('<mail-drain-2@test.example>')?.has('\\Seen')).toBe(false);
    // Then: a second signal while draining exits at once (the state makes that safe).
    signals = new EventEmitter();
    code = runCommand(['--config', cfgPath], {
      processMailFactory: () => processMail,
      signals,
      logger: silentLogger(),
      exit: (c) => exits.push(c),
    });
    await until(() => started.length === 2, 'second mail in flight');
    signals.emit('SIGINT');
    signals.emit('SIGINT');
    expect(exits).toEqual([130]);
    release();
    expect(await code).toBe(0);
    await a.close();
  });
});
