import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore } from '../src/daemon/mailbox-state.js';
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

  function spawnDaemon(): { child: ChildProcess; exited: Promise<number | null> } {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/helpers/daemon-child.ts', '--config', cfgPath, '--api', api.url],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    child.stderr?.resume();
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited };
  }

  const total = () => [...api.puts.values()].reduce((a, b) => a + b, 0);

  it('loses no mail and applies each exactly once in the end state', async () => {
    const a = await new Appender(dovecot, dovecot.users[0]).connect();
    for (let i = 1; i <= MAILS; i++) await a.append(testMail(`kill-${i}`));
    const random = rng(20250106);
    for (let k = 0; k < KILLS; k++) {
      const before = total();
      const { child, exited } = spawnDaemon();
      // Let it get somewhere (a random number of PUTs), then kill it at a random moment.
      const target = before + 1 + Math.floor(random() * 8);
      await until(() => total() >= target || api.puts.size === MAILS, `daemon ${k} made progress`, 60_000);
      await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
      child.kill('SIGKILL');
      await exited;
    }
    // A last run finishes the work, then a SIGTERM stops it cleanly.
    const { child, exited } = spawnDaemon();
    const ids = Array.from({ length: MAILS }, (_, i) => `mail-kill-${i + 1}@test.example`);
    await until(() => ids.every((id) => api.puts.has(id)), 'every mail PUT', 90_000);
    const store = new StateStore(stateDir);
    const state = store.mailbox('kim');
    await until(() => state.counts().done === MAILS && state.owed().length === 0, 'state complete', 60_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    // Every mail is flagged \Seen on the server, exactly the ones that were PUT.
    const flags = await a.flags();
    expect(ids.every((id) => flags.get(`<${id}>`)?.has('\\Seen'))).toBe(true);
    // A kill can repeat at most the one mail in flight: a repeated (idempotent) PUT, never a loss.
    const repeats = total() - MAILS;
    expect(repeats).toBeLessThanOrEqual(KILLS);
    // ... and the state records the repeat as a second attempt.
    const attempts = ids.map((_, i) => state.get(i + 1)?.attempts ?? 0);
    const repeated = [...api.puts.entries()]
      .filter(([, n]) => n > 1)
      .map(([id]) => Number(/kill-(\d+)@/.exec(id)![1]));
    for (const uid of repeated) expect(attempts[uid - 1]).toBeGreaterThanOrEqual(2);
    expect(attempts.every((n) => n >= 1)).toBe(true);
    store.close();
    await a.close();
  });
});
