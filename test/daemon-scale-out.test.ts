/**
 * Issue 16, end to end: three `mail2ticket run` processes (the built CLI, the real pipeline) share
 * twelve mailboxes on a real Dovecot through a real PostgreSQL, against the SuperOffice sandbox.
 * While 600 mails arrive, one instance is SIGKILLed and another SIGSTOPped past its lease, then
 * resumed. In the end every mail is applied (updated in the sandbox, \Seen on the server, done in
 * the shared state), none is lost, the stopped instance wrote nothing after the takeover (the
 * fencing audit in the state), and the repeated PUTs and the takeover times are reported.
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
const BOXES = 12;
const PER_BOX = 50; // 600 mails
const MAILS = BOXES * PER_BOX;
const TTL_MS = 3000;
const HEARTBEAT_MS = 1000;

const users = Array.from({ length: BOXES }, (_, i) => ({
  user: `desk${i + 1}`,
  password: `pw-${i + 1}-secret`,
}));
const mailId = (box: number, n: number) => `so-${box}-${n}`;
const msgId = (box: number, n: number) => `<mail-${mailId(box, n)}@test.example>`;

interface Proc {
  name: string;
  child: ChildProcess;
  stderr: string;
  exited: Promise<NodeJS.Signals | number | null>;
}

describe.skipIf(!available)('three instances share twelve mailboxes through PostgreSQL (issue 16)', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  let cluster: PgCluster;
  let db: pg.Pool;
  const dir = mkdtempSync(join(tmpdir(), 'm2t-scale-'));
  const appenders: Appender[] = [];
  const procs: Proc[] = [];
  /** PUTs per Message-Id, counted at the sandbox store (every accepted PUT replaces the message). */
  let puts: Map<string, number>;

  beforeAll(async () => {
    cluster = await startPostgres();
    dovecot = new Dovecot({ users });
    await dovecot.start();
    // SuperOffice already imported every mail (its own mail import): the daemons update each one.
    const seed = new Map<string, string>();
    for (let b = 1; b <= BOXES; b++)
      for (let n = 1; n <= PER_BOX; n++) seed.set(`${b}-${n}.eml`, testMail(mailId(b, n)));
    ({ sandbox, puts } = await startCountingSandbox(join(dir, 'seed'), seed));
    // Slow PUTs keep mail in flight when an instance is killed or stopped.
    sandbox.setFaults({ latencyMs: 15, match: '^PUT ' });
    const url = await cluster.createDatabase('scale');
    db = new pg.Pool({ connectionString: url, options: '-c search_path=m2t', max: 2 });
    for (const u of users) appenders.push(await new Appender(dovecot, u).connect());
    for (const [i, name] of ['one', 'two', 'three'].entries()) {
      const config = {
        stateDir: join(dir, `state-${name}`),
        state: {
          postgres: {
            url,
            schema: 'm2t',
            poolSize: 6,
            instance: name,
            lease: { ttlMs: TTL_MS, heartbeatMs: HEARTBEAT_MS },
          },
        },
        api: {
          baseUrl: sandbox.apiUrl,
          auth: sandboxApiAuth(),
          retry: { baseDelayMs: 50, maxDelayMs: 500 },
          concurrency: 2,
        },
        mailboxes: users.map((u) => mailboxEntry(dovecot, u)),
        daemon: {
          recheckIntervalMs: 2000,
          reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
          shutdownGraceMs: 5000,
          http: { port: 0 },
        },
      };
      writeFileSync(join(dir, `config-${i}.json`), JSON.stringify(config));
    }
  });

  afterAll(async () => {
    for (const p of procs) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGCONT');
        p.child.kill('SIGKILL');
      }
    }
    for (const a of appenders) await a.close();
    await db?.end();
    await sandbox?.close();
    await dovecot?.destroy();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(i: number): Proc {
    const name = ['one', 'two', 'three'][i]!;
    const child = spawn(process.execPath, [BIN, 'run', '--config', join(dir, `config-${i}.json`)], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info' },
    });
    const p: Proc = {
      name,
      child,
      stderr: '',
      exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code))),
    };
    child.stderr!.on('data', (c: Buffer) => {
      p.stderr += c.toString();
    });
    procs.push(p);
    return p;
  }

  const owners = async () =>
    (
      await db.query<{ owner: string; n: string }>(
        'SELECT owner, count(*) AS n FROM mailbox_lease WHERE expires_at > clock_timestamp() GROUP BY owner',
      )
    ).rows.reduce<Record<string, number>>((o, r) => Object.assign(o, { [r.owner]: Number(r.n) }), {});
  const held = async (owner: string) =>
    (
      await db.query<{ mailbox: string }>('SELECT mailbox FROM mailbox_lease WHERE owner = $1', [owner])
    ).rows.map((r) => r.mailbox);
  const totalPuts = () => [...puts.values()].reduce((a, b) => a + b, 0);
  const deliver = async (from: number, to: number) => {
    for (let n = from; n <= to; n++) {
      await Promise.all(appenders.map((a, b) => a.append(testMail(mailId(b + 1, n)))));
    }
  };

  /** On a failure: where it stood, and the end of each instance's log. */
  async function diagnose(): Promise<string> {
    const tail = (p: Proc) => p.stderr.split('\n').slice(-15).join('\n');
    const o = await owners().catch((e: unknown) => String(e));
    return [
      `PUTs ${totalPuts()} of ${MAILS}; leases ${JSON.stringify(o)}`,
      ...procs.map((p) => `--- ${p.name}\n${tail(p)}`),
    ].join('\n');
  }

  it('applies every mail once through a SIGKILL and a SIGSTOP past the lease, fenced', async () => {
    try {
      await scenario();
    } catch (err) {
      console.error(`[daemon-scale-out] ${await diagnose()}`);
      throw err;
    }
  }, 480_000);

  async function scenario(): Promise<void> {
    await deliver(1, PER_BOX / 2);
    const [one, two, three] = [start(0), start(1), start(2)];
    await until(
      async () => {
        const r = await db.query<{ t: string | null }>("SELECT to_regclass('m2t.mailbox_lease') AS t");
        return r.rows[0]!.t !== null;
      },
      'the schema migrated by the first instance up',
      60_000,
    );
    // The first instance up claims everything; the others' heartbeats spread it 4/4/4.
    await until(
      async () => {
        const o = await owners();
        return o.one === 4 && o.two === 4 && o.three === 4;
      },
      'the mailboxes spread 4/4/4',
      60_000,
    );

    // The rest arrives while they work; one is killed, another stopped, in the middle of it.
    const delivering = deliver(PER_BOX / 2 + 1, PER_BOX);
    await until(() => totalPuts() >= MAILS / 4, 'a quarter of the mail PUT', 120_000);
    const oneHeld = await held('one');
    const killedAt = Date.now();
    one.child.kill('SIGKILL');
    expect(await one.exited).toBe('SIGKILL');
    // One failure at a time: the survivors take the dead instance's mailboxes before the next.
    await until(
      async () => {
        const now = await held('one');
        return oneHeld.every((m) => !now.includes(m));
      },
      'the killed instance taken over',
      60_000,
    );
    await until(() => totalPuts() >= MAILS / 3, 'a third of the mail PUT', 120_000);
    const twoHeld = await held('two');
    const stoppedAt = Date.now();
    two.child.kill('SIGSTOP');
    // Stopped past its lease: wait until every mailbox it held has been claimed by another.
    await until(
      async () => {
        const now = await held('two');
        return twoHeld.every((m) => !now.includes(m));
      },
      'the stopped instance taken over',
      60_000,
    );
    const resumedAt = Date.now();
    two.child.kill('SIGCONT');
    await delivering;

    // Drained: every mail \Seen on the server and done + applied in the shared state.
    const seen = async () => {
      let n = 0;
      for (const a of appenders) for (const f of (await a.flags()).values()) if (f.has('\\Seen')) n++;
      return n;
    };
    await until(async () => (await seen()) === MAILS, 'every mail flagged \\Seen', 240_000);
    await until(
      async () => {
        const r = await db.query("SELECT 1 FROM mail WHERE status = 'done' AND applied = 1");
        return r.rowCount === MAILS;
      },
      'every mail done in the state',
      60_000,
    );

    // Nothing lost, nothing doubled: each of the 600 updated in the sandbox, each flagged once.
    const messages = new Map(sandbox.state().messages.map((m) => [String(m.MessageId), m]));
    const missing: string[] = [];
    for (let b = 1; b <= BOXES; b++) {
      for (let n = 1; n <= PER_BOX; n++) {
        const m = messages.get(msgId(b, n));
        if (!m || !String(m.DebugInfo ?? '').startsWith('mail2ticket:') || !puts.has(msgId(b, n)))
          missing.push(msgId(b, n));
      }
    }
    expect(missing).toEqual([]);
    expect(sandbox.state().messages).toHaveLength(MAILS); // PUT only: no message was added
    for (const [b, a] of appenders.entries()) {
      const flags = await a.flags();
      expect(flags.size, `mailbox ${b + 1}`).toBe(PER_BOX);
    }

    // Fencing: no state row was written under a token after a newer claim of its mailbox.
    const late = await db.query(
      `SELECT m.mailbox, m.uid, m.written_token, l.token AS newer
       FROM mail m JOIN lease_log l ON l.mailbox = m.mailbox
       WHERE l.token > m.written_token AND l.claimed_at < m.written_at`,
    );
    expect(late.rows).toEqual([]);
    // The stopped instance woke up to find its leases gone, and said so.
    await until(() => /mailbox lease lost/.test(two.stderr), 'the resumed instance notices', 30_000);
    // No row carries a token of the stopped instance written after its mailboxes were claimed.
    const afterTakeover = await db.query(
      `SELECT m.mailbox, m.uid FROM mail m
       JOIN lease_log mine ON mine.token = m.written_token AND mine.owner = 'two'
       JOIN lease_log other ON other.mailbox = m.mailbox AND other.token > mine.token AND other.owner <> 'two'
       WHERE m.written_at > other.claimed_at`,
    );
    expect(afterTakeover.rows).toEqual([]);

    // Takeover: when the others claimed the dead and the stopped instance's mailboxes.
    const claims = await db.query<{ mailbox: string; owner: string; previous_owner: string; at: number }>(
      `SELECT mailbox, owner, previous_owner, (extract(epoch from claimed_at) * 1000)::bigint AS at
       FROM lease_log WHERE previous_owner IN ('one', 'two') ORDER BY token`,
    );
    const takeover = (from: string, mailboxes: string[], since: number) =>
      mailboxes.map((m) => {
        const c = claims.rows.find(
          (r) => r.mailbox === m && r.previous_owner === from && Number(r.at) >= since,
        );
        return c ? Number(c.at) - since : Number.NaN;
      });
    const killed = takeover('one', oneHeld, killedAt);
    const stopped = takeover('two', twoHeld, stoppedAt);
    expect(killed.filter(Number.isNaN)).toEqual([]);
    expect(stopped.filter(Number.isNaN)).toEqual([]);

    // Repeats: only mail in flight in the killed or stopped instance can be PUT twice (concurrency 2
    // per mailbox); the duplicate check turns the rest into `duplicate`, not a second PUT.
    const repeated = [...puts.entries()].filter(([, n]) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(2 * (oneHeld.length + twoHeld.length));
    console.info(
      `[daemon-scale-out] ${MAILS} mails, 3 instances, 12 mailboxes; PUTs=${totalPuts()} ` +
        `(second PUTs: ${repeated.length}${repeated.length ? `: ${repeated.map(([id, n]) => `${id}×${n}`).join(', ')}` : ''}); ` +
        `takeover after SIGKILL ms: ${killed.join(', ')}; after SIGSTOP ms: ${stopped.join(', ')} ` +
        `(TTL ${TTL_MS} ms + heartbeat ${HEARTBEAT_MS} ms); stopped for ${resumedAt - stoppedAt} ms`,
    );

    // Operations: /healthz and /metrics show what this instance holds; `status` names every owner.
    const line = three.stderr.split('\n').find((l) => l.includes('health and metrics endpoint listening'));
    const port = Number(/"port":(\d+)/.exec(line ?? '')?.[1]);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      mailboxes: { name: string }[];
      leases: { instance: string; held: { mailbox: string; token: number }[] };
    };
    expect(health.leases.instance).toBe('three');
    expect(health.leases.held.map((h) => h.mailbox).sort()).toEqual(
      health.mailboxes.map((m) => m.name).sort(),
    );
    expect(health.leases.held.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain(`mail2ticket_lease_held ${health.leases.held.length}\n`);
    for (const g of ['fair_share', 'live_instances', 'age_seconds', 'renewal_age_seconds'])
      expect(metrics).toContain(`# TYPE mail2ticket_lease_${g} gauge\n`);
    expect(metrics).toContain(`mail2ticket_lease_age_seconds{mailbox="${health.leases.held[0]!.mailbox}"}`);
    const status = spawn(
      process.execPath,
      [BIN, 'status', '--config', join(dir, 'config-2.json'), '--json'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    status.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => status.once('exit', resolve));
    const report = JSON.parse(out) as { mailboxes: { name: string; owner: { instance: string } | null }[] };
    expect(report.mailboxes).toHaveLength(BOXES);
    expect(report.mailboxes.filter((m) => !['two', 'three'].includes(m.owner?.instance ?? ''))).toEqual([]);
    expect(code).toBe(0);

    // SIGTERM: both survivors drain, give their leases back and exit 0.
    for (const p of [two, three]) p.child.kill('SIGTERM');
    expect(await two.exited).toBe(0);
    expect(await three.exited).toBe(0);
    expect(await owners()).toEqual({});
    for (const p of procs) for (const u of users) expect(p.stderr).not.toContain(u.password);
  }
});
