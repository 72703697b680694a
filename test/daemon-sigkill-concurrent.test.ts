import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { until } from './helpers/fake-source.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';

/**
 * Issue 13 §3 "a SIGKILL during a concurrent drain loses nothing": the built daemon (`mail2ticket
 * run`, the real pipeline) drains a Dovecot INBOX into the sandbox with api.concurrency 8. The
 * sandbox answers every request after a delay, so several PUTs are in flight at once; the daemon is
 * killed with SIGKILL exactly then (the sandbox tells the test how many PUTs it is answering), again
 * and again, and restarted. In the end every mail is applied exactly once: one ticket message per
 * Message-Id (repeated PUTs are counted, no second message is ever created), every mail \Seen in
 * INBOX, none lost or quarantined, and only mails in flight at a kill were PUT more than once.
 */
const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const available = dovecotAvailable(import.meta.url);
const MAILS = 60;
const KILLS = 4;
const CONCURRENCY = 8;
/** PUTs in flight at the sandbox when the kill is sent. */
const PUTS_IN_FLIGHT = 3;

describe.skipIf(!available)('SIGKILL during a concurrent drain (Dovecot + built CLI + sandbox)', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  let appender: Appender;
  const dir = mkdtempSync(join(tmpdir(), 'm2t-kill-concurrent-'));
  const children: ChildProcess[] = [];
  let putsInFlight = 0;
  /** PUTs answered per ticket message id; and which ids were being PUT at each kill. */
  const putsPerId = new Map<number, number>();
  const inFlightIds = new Set<number>();

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [{ user: 'lee', password: 'lee-pw-2718' }] });
    await dovecot.start();
    const seedDir = join(dir, 'seed');
    mkdirSync(seedDir);
    for (let n = 1; n <= MAILS; n++) writeFileSync(join(seedDir, `${n}.eml`), testMail(`conc-${n}`));
    sandbox = await startSandbox({
      seed: [seedDir],
      faults: { latencyMs: 60 },
      onRequest: ({ method, path }) => {
        if (method !== 'PUT') return undefined;
        const id = Number(path.split('/')[2]);
        putsInFlight++;
        inFlightIds.add(id);
        return () => {
          putsInFlight--;
          inFlightIds.delete(id);
          putsPerId.set(id, (putsPerId.get(id) ?? 0) + 1);
        };
      },
    });
    appender = await new Appender(dovecot).connect();
    for (let n = 1; n <= MAILS; n++) await appender.append(testMail(`conc-${n}`));
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await appender?.close();
    await sandbox?.close();
    await dovecot?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const configPath = join(dir, 'config.json');
  function spawnDaemon(): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
    const child = spawn(process.execPath, [BIN, 'run', '--config', configPath, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.resume();
    children.push(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? code)),
    );
    return { child, exited };
  }

  it('loses nothing and doubles nothing', async () => {
    const stateDir = join(dir, 'state');
    writeFileSync(
      configPath,
      JSON.stringify({
        stateDir,
        api: { baseUrl: sandbox.apiUrl, auth: sandboxApiAuth(), concurrency: CONCURRENCY },
        mailboxes: [
          {
            name: 'lee',
            host: '127.0.0.1',
            port: dovecot.port,
            tls: { mode: 'none' },
            auth: { type: 'password', user: 'lee', password: 'lee-pw-2718' },
            quarantineFolder: 'Quarantine',
          },
        ],
        daemon: { recheckIntervalMs: 5000, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } },
      }),
    );
    const messagesBefore = sandbox.state().messages.length;
    const seen = async () => {
      const f = await appender.flags('INBOX');
      return [...f.values()].filter((s) => s.has('\\Seen')).length;
    };
    const bare = (id: unknown) => String(id ?? '').replace(/^<|>$/g, '');
    const entityOf = new Map(sandbox.state().messages.map((m) => [bare(m.MessageId), m.EjMessageId]));
    /** Ticket message ids of the mails the daemon's state records done (read while none runs). */
    const doneInState = async (): Promise<number[]> => {
      const store = new SqliteStateStore(stateDir);
      try {
        const state = store.mailbox('lee');
        const out: number[] = [];
        for (let uid = 1; uid <= MAILS; uid++) {
          const r = await state.get(uid);
          if (r?.status === 'done') out.push(entityOf.get(bare(r.messageId))!);
        }
        return out;
      } finally {
        await store.close();
      }
    };
    /** At each kill: the ids in flight, how many mails were \Seen, PUTs per id of the mails done. */
    const kills: { inFlight: number[]; seen: number; done: Map<number, number> }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const { child, exited } = spawnDaemon();
      await until(() => putsInFlight >= PUTS_IN_FLIGHT, `daemon ${k + 1} has PUTs in flight`, 60_000);
      const inFlight = [...inFlightIds];
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      // Let the requests the dead daemon left at the sandbox be answered (into a closed socket).
      await until(() => putsInFlight === 0, 'orphaned PUTs answered');
      const done = new Map((await doneInState()).map((id) => [id, putsPerId.get(id) ?? 0]));
      kills.push({ inFlight, seen: await seen(), done });
    }
    // Each kill landed with several PUTs in flight and work left.
    expect(kills.filter((k) => k.inFlight.length >= PUTS_IN_FLIGHT && k.seen < MAILS)).toHaveLength(KILLS);

    // A last run finishes the work; SIGTERM stops it cleanly.
    const { child, exited } = spawnDaemon();
    await until(() => putsPerId.size === MAILS, 'every mail PUT', 120_000);
    const store = new SqliteStateStore(stateDir);
    try {
      const state = store.mailbox('lee');
      await until(
        async () => (await state.counts()).done === MAILS && (await state.owed()).length === 0,
        'state complete',
        60_000,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await state.counts()).toEqual({ done: MAILS });
    } finally {
      await store.close();
    }

    // Nothing doubled at the API: the same messages, one per Message-Id, none created.
    const after = sandbox.state();
    expect(after.messages).toHaveLength(messagesBefore);
    expect(after.counters.posts).toBe(0);
    const ids = after.messages.map((m) => m.MessageId);
    expect(new Set(ids).size).toBe(MAILS);
    expect(after.messages.filter((m) => !putsPerId.has(m.EjMessageId)).map((m) => m.MessageId)).toEqual([]);
    // Nothing lost on the IMAP side: every mail still in INBOX, \Seen; none quarantined.
    const flags = await appender.flags('INBOX');
    expect(flags.size).toBe(MAILS);
    expect([...flags].filter(([, f]) => !f.has('\\Seen')).map(([id]) => id)).toEqual([]);
    expect((await appender.flags('Quarantine').catch(() => new Map())).size).toBe(0);
    const qdir = join(stateDir, 'quarantine', 'lee');
    expect(existsSync(qdir) ? readdirSync(qdir) : []).toEqual([]);

    // Repeats: a kill can make the next daemon repeat at most the mails it had in flight (up to
    // api.concurrency of them), never one its state had recorded done.
    const againAfterDone = kills.flatMap((k, i) =>
      [...k.done]
        .filter(([id, n]) => putsPerId.get(id) !== n)
        .map(([id]) => `message ${id} PUT again after kill ${i + 1}, though the state had it done`),
    );
    expect(againAfterDone).toEqual([]);
    const repeated = [...putsPerId].filter(([, n]) => n > 1).map(([id]) => id);
    const total = [...putsPerId.values()].reduce((a, b) => a + b, 0);
    console.info(
      `[daemon-sigkill-concurrent] kills=${KILLS} PUTs=${total} for ${MAILS} mails; in flight at the kills: ${kills.map((k) => k.inFlight.length).join(', ')}; repeated: ${repeated.length}`,
    );
    expect(total - MAILS).toBeLessThanOrEqual(KILLS * CONCURRENCY);
    expect(repeated.length).toBeLessThanOrEqual(KILLS * CONCURRENCY);
  }, 300_000);
});
