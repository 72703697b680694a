/**
 * The shared state's database restarts under a running daemon (a PostgreSQL upgrade, a failover, a
 * crash): the state is where "done" and the quarantine are written, so while it is gone nothing can
 * be decided about a mail. Like an API outage (issue 13 §2) it says nothing about the mail: the
 * built `mail2ticket run` against a real Dovecot, the sandbox and a real PostgreSQL taken down
 * (fast shutdown: every connection ended) while mail arrives, then brought back. Nothing may be
 * quarantined or lost, the daemon must not exit, and every mail ends up updated and \Seen.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import type { Sandbox } from '../src/sandbox/server.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { until } from './helpers/fake-source.js';
import { Appender, mailboxEntry, testMail } from './helpers/imap-fixtures.js';
import { type PgCluster, postgresAvailable, startPostgres } from './helpers/postgres.js';
import { startCountingSandbox } from './helpers/sandbox.js';

const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const available = dovecotAvailable(import.meta.url) && postgresAvailable(import.meta.url);
const BOXES = 2;
const PER_BOX = 20;
const MAILS = BOXES * PER_BOX;
/** Longer than the lease TTL: the daemon's leases expire while the database is away. */
const DOWN_MS = 5000;
const TTL_MS = 3000;

const users = Array.from({ length: BOXES }, (_, i) => ({ user: `db${i + 1}`, password: `pw-db-${i + 1}` }));
const mailId = (box: number, n: number) => `dbr-${box}-${n}`;
const msgId = (box: number, n: number) => `<mail-${mailId(box, n)}@test.example>`;

describe.skipIf(!available)('the state database restarts under a running daemon', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  let cluster: PgCluster;
  let url: string;
  let daemon: ChildProcess | undefined;
  let stderr = '';
  const dir = mkdtempSync(join(tmpdir(), 'm2t-dbr-'));
  const appenders: Appender[] = [];
  let puts: Map<string, number>;

  beforeAll(async () => {
    cluster = await startPostgres();
    dovecot = new Dovecot({ users });
    await dovecot.start();
    const seed = new Map<string, string>();
    for (let b = 1; b <= BOXES; b++)
      for (let n = 1; n <= PER_BOX; n++) seed.set(`${b}-${n}.eml`, testMail(mailId(b, n)));
    ({ sandbox, puts } = await startCountingSandbox(join(dir, 'seed'), seed));
    url = await cluster.createDatabase('dbr');
    for (const u of users) appenders.push(await new Appender(dovecot, u).connect());
    const config = {
      stateDir: join(dir, 'state'),
      state: {
        postgres: {
          url,
          schema: 'm2t',
          poolSize: 4,
          instance: 'solo',
          lease: { ttlMs: TTL_MS, heartbeatMs: 1000 },
        },
      },
      api: { baseUrl: sandbox.apiUrl, auth: sandboxApiAuth(), retry: { baseDelayMs: 50, maxDelayMs: 500 } },
      mailboxes: users.map((u) => mailboxEntry(dovecot, u, { quarantineFolder: 'Quarantine' })),
      daemon: {
        recheckIntervalMs: 1000,
        deferredRetryScheduleMs: [200, 500, 1000],
        // Small limits: were the outage counted against the mail, it would be quarantined.
        maxAttempts: 3,
        maxDeferredAgeMs: 2000,
        reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
        shutdownGraceMs: 3000,
        http: { port: 0 },
      },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    for (const a of appenders) await a.close();
    await sandbox?.close();
    await dovecot?.destroy();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const deliver = async (from: number, to: number) => {
    for (let n = from; n <= to; n++)
      await Promise.all(appenders.map((a, b) => a.append(testMail(mailId(b + 1, n)))));
  };
  const seen = async () => {
    let n = 0;
    for (const a of appenders) for (const f of (await a.flags()).values()) if (f.has('\\Seen')) n++;
    return n;
  };
  const quarantinedOnServer = async () => {
    let n = 0;
    for (const a of appenders) n += (await a.flags('Quarantine').catch(() => new Map())).size;
    return n;
  };

  it('holds the mail while the database is away and finishes it after, quarantining nothing', async () => {
    daemon = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'config.json')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    daemon.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise((resolve) => daemon!.once('exit', (code, signal) => resolve(signal ?? code)));
    try {
      await deliver(1, PER_BOX / 2);
      await until(async () => (await seen()) === MAILS / 2, 'the first half \\Seen', 60_000);

      // Down while the rest arrives; longer than the lease TTL and the deferred-age limit.
      await cluster.down();
      await deliver(PER_BOX / 2 + 1, PER_BOX);
      const logAtDown = stderr.length;
      await new Promise((r) => setTimeout(r, DOWN_MS));
      // It did meet the outage (the new mail's state lookups fail), and said so.
      const outageLog = stderr.slice(logAtDown);
      expect(outageLog).toMatch(
        /cannot write the state of mailbox db\d \(postgres:\/\/postgres@127\.0\.0\.1:\d+\/dbr_/,
      );
      expect(outageLog).toMatch(/lease heartbeat failed/);
      expect(daemon.exitCode, stderr.slice(-3000)).toBeNull();
      // Nothing can be recorded done while the state is away, so no mail that arrived meanwhile
      // is marked \Seen.
      for (const [b, a] of appenders.entries()) {
        const flags = await a.flags();
        for (let n = PER_BOX / 2 + 1; n <= PER_BOX; n++)
          expect(flags.get(msgId(b + 1, n))?.has('\\Seen'), msgId(b + 1, n)).toBe(false);
      }
      expect(await quarantinedOnServer()).toBe(0);
      await cluster.up();

      await until(async () => (await seen()) === MAILS, 'every mail \\Seen after the restart', 120_000);
      expect(daemon.exitCode, stderr.slice(-3000)).toBeNull();
      expect(await quarantinedOnServer()).toBe(0);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const q = await db.query('SELECT mailbox, uid, reason FROM m2t.quarantine');
        expect(q.rows).toEqual([]);
        const done = await db.query("SELECT 1 FROM m2t.mail WHERE status = 'done' AND applied = 1");
        expect(done.rowCount).toBe(MAILS);
      } finally {
        await db.end();
      }
      const missing: string[] = [];
      for (let b = 1; b <= BOXES; b++)
        for (let n = 1; n <= PER_BOX; n++) if (!puts.has(msgId(b, n))) missing.push(msgId(b, n));
      expect(missing).toEqual([]);
      expect(sandbox.state().messages).toHaveLength(MAILS);
      // A mail PUT just before the database went away may be PUT once more (idempotent), no more.
      const repeated = [...puts.entries()].filter(([, n]) => n > 2);
      expect(repeated).toEqual([]);
      console.info(
        `[daemon-db-restart] ${MAILS} mails; database down ${DOWN_MS} ms; PUTs ${[...puts.values()].reduce((a, b) => a + b, 0)}`,
      );
    } catch (err) {
      console.error(`[daemon-db-restart] daemon log:\n${stderr.split('\n').slice(-40).join('\n')}`);
      throw err;
    } finally {
      daemon.kill('SIGTERM');
      await exited;
    }
  }, 240_000);
});
