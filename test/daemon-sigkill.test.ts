import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { until } from './helpers/fake-source.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';
import { RecordingApi } from './helpers/recording-api.js';

const available = dovecotAvailable(import.meta.url);
const MAILS = 60;
const KILLS = 6;

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!available)('daemon killed with SIGKILL at random points', () => {
  let dovecot: Dovecot;
  let api: RecordingApi;
  let stateDir: string;
  let cfgPath: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [{ user: 'kim', password: 'kim-pw-0123' }] });
    await dovecot.start();
    api = new RecordingApi();
    api.delayMs = 15;
    await api.start();
    stateDir = mkdtempSync(join(tmpdir(), 'm2t-kill-'));
    cfgPath = join(stateDir, 'config.json');
    writeFileSync(
      cfgPath,
      JSON.stringify({
        stateDir,
        mailboxes: [
          {
            name: 'kim',
            host: '127.0.0.1',
            port: dovecot.port,
            tls: { mode: 'none' },
            auth: { type: 'password', user: 'kim', password: 'kim-pw-0123' },
          },
        ],
        daemon: {
          recheckIntervalMs: 5000,
          reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
          shutdownGraceMs: 10_000,
        },
      }),
    );
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await api?.stop();
    await dovecot?.destroy();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  function spawnDaemon(): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/daemon-child.ts', '--config', cfgPath, '--api', api.url],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    child.stderr?.resume();
    children.push(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    return { child, exited };
  }

  const total = () => api.putLog.length;
  const ids = Array.from({ length: MAILS }, (_, i) => `mail-kill-${i + 1}@test.example`);
  const bare = (id: string | null) => id?.replace(/^<|>$/g, '') ?? '';

  /** The daemon's own record, read while no daemon runs: Message-Ids it recorded done. */
  async function doneInState(): Promise<Set<string>> {
    const store = new SqliteStateStore(stateDir);
    try {
      const state = store.mailbox('kim');
      const done = new Set<string>();
      for (let uid = 1; uid <= MAILS; uid++) {
        const r = await state.get(uid);
        if (r?.status === 'done') done.add(bare(r.messageId));
      }
      return done;
    } finally {
      await store.close();
    }
  }

  it('loses no mail and applies each exactly once in the end state', async () => {
    const a = await new Appender(dovecot, dovecot.users[0]).connect();
    for (let i = 1; i <= MAILS; i++) await a.append(testMail(`kill-${i}`));
    const random = rng(20250106);
    /** Per kill: how many PUTs had arrived, and what the state called done, once the daemon was dead. */
    const kills: { puts: number; done: Set<string> }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const before = total();
      const { child, exited } = spawnDaemon();
      // Let it get somewhere (a random number of PUTs), then kill it at a random moment.
      const target = before + 1 + Math.floor(random() * 8);
      await until(() => total() >= target || api.puts.size === MAILS, `daemon ${k} made progress`, 60_000);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL'); // it died of the kill, not on its own
      kills.push({ puts: total(), done: await doneInState() });
    }
    // A last run finishes the work, then a SIGTERM stops it cleanly.
    const { child, exited } = spawnDaemon();
    await until(() => ids.every((id) => api.puts.has(id)), 'every mail PUT', 90_000);
    const store = new SqliteStateStore(stateDir);
    const state = store.mailbox('kim');
    await until(
      async () => (await state.counts()).done === MAILS && (await state.owed()).length === 0,
      'state complete',
      60_000,
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // The kills landed while there was work left (otherwise this proves nothing about crashes).
    const midWork = kills.filter((k) => k.done.size < MAILS).length;
    expect(midWork).toBeGreaterThanOrEqual(KILLS / 2);

    // Once the state recorded a mail done, no daemon after that kill PUT it again.
    const afterDone = kills.flatMap((k, i) =>
      api.putLog
        .slice(k.puts)
        .filter((id) => k.done.has(id))
        .map((id) => `${id} PUT again after kill ${i + 1}, though the state had it done`),
    );
    expect(afterDone).toEqual([]);

    // End state, exactly once per mail: the API holds each Message-Id once, with that mail's bytes;
    // the daemon's state has one done, applied record per mail and no Message-Id twice; the server
    // has each mail once, flagged \Seen.
    expect([...api.bodies.keys()].sort()).toEqual([...ids].sort());
    expect(ids.filter((id) => !api.bodies.get(id)?.includes(`Message-Id: <${id}>`))).toEqual([]);
    const records = await Promise.all(ids.map((_, i) => state.get(i + 1)));
    expect(records.filter((r) => r?.status !== 'done' || r.applied !== 1).map((r) => r?.uid)).toEqual([]);
    const recorded = records.map((r) => bare(r?.messageId ?? null));
    expect(recorded).toEqual(ids);
    expect(await state.counts()).toEqual({ done: MAILS });
    const flags = await a.flags();
    expect(flags.size).toBe(MAILS);
    expect(ids.filter((id) => !flags.get(`<${id}>`)?.has('\\Seen'))).toEqual([]);

    // Repeats, reported: a kill can repeat only the mail it caught in flight (PUT before the kill,
    // not yet recorded done), so at most one per kill, each counted as a second attempt.
    const repeated = [...api.puts.entries()].filter(([, n]) => n > 1).map(([id]) => id);
    const inFlight = kills.map((k, i) => {
      const during = new Set(api.putLog.slice(kills[i - 1]?.puts ?? 0, k.puts));
      const later = new Set(api.putLog.slice(k.puts));
      return [...during].filter((id) => !k.done.has(id) && later.has(id));
    });
    console.info(
      `[daemon-sigkill] kills=${KILLS} (mid-work ${midWork}) PUTs=${total()} for ${MAILS} mails; ` +
        `repeated: ${repeated.length ? repeated.join(', ') : 'none'}`,
    );
    expect(inFlight.filter((list) => list.length > 1)).toEqual([]);
    expect(repeated.filter((id) => !inFlight.some((list) => list.includes(id)))).toEqual([]);
    expect(total()).toBe(MAILS + repeated.reduce((n, id) => n + (api.puts.get(id) ?? 0) - 1, 0));
    const attempts = (id: string) => records[ids.indexOf(id)]?.attempts ?? 0;
    expect(repeated.filter((id) => attempts(id) < 2)).toEqual([]);
    expect(records.filter((r) => (r?.attempts ?? 0) < 1).map((r) => r?.uid)).toEqual([]);
    await store.close();
    await a.close();
  });
});
