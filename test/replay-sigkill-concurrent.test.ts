import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { until } from './helpers/fake-source.js';
import { testMail } from './helpers/imap-fixtures.js';

/**
 * Issue 13 §3, replay's side of "a SIGKILL during a concurrent drain loses nothing": the built CLI
 * replays a folder live with api.concurrency 8 and onUnmatched `create` against the sandbox, which
 * answers every request after a delay. Half the mails have their ticket message already (each one a
 * PUT), the other half are replies to them that do not (each one a POST on the parent's ticket).
 * The replay is killed with SIGKILL while several PUTs and POSTs are in flight, three times, then run
 * to the end. Afterwards every mail has exactly one ticket message, on the right ticket: whether a
 * POST in flight at the kill took effect or not, the next run finds it by Message-Id or makes it
 * then, never twice.
 */
const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const PARENTS = 30;
const KILLS = 3;
const WRITES_IN_FLIGHT = 3;

describe('replay killed with SIGKILL during a concurrent live drain (built CLI + sandbox)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm2t-replay-kill-'));
  const children: ChildProcess[] = [];
  let sandbox: Sandbox;
  let writesInFlight = 0;
  let postsInFlight = 0;
  let postArrivals = 0;
  let postsAnswered = 0;
  let posts = 0;

  beforeAll(async () => {
    const seedDir = join(dir, 'seed');
    const mailDir = join(dir, 'mail');
    mkdirSync(seedDir);
    mkdirSync(mailDir);
    for (let n = 1; n <= PARENTS; n++) {
      const parent = testMail(`p${n}`);
      writeFileSync(join(seedDir, `${n}.eml`), parent);
      // Parent and reply next to each other in the replay order.
      writeFileSync(join(mailDir, `${String(n).padStart(3, '0')}-a.eml`), parent);
      writeFileSync(
        join(mailDir, `${String(n).padStart(3, '0')}-b.eml`),
        testMail(`r${n}`, `In-Reply-To: <mail-p${n}@test.example>`),
      );
    }
    sandbox = await startSandbox({
      seed: [seedDir],
      faults: { latencyMs: 80 },
      onRequest: ({ method, path }) => {
        // Writes: PUT and POST of a ticket message (ResolveTicketId is a POST too, but a read).
        const post = method === 'POST' && /^\/TicketMessage$/i.test(path);
        if (method !== 'PUT' && !post) return undefined;
        writesInFlight++;
        if (post) {
          postsInFlight++;
          postArrivals++;
        }
        return () => {
          writesInFlight--;
          if (post) {
            postsInFlight--;
            postsAnswered++;
          }
        };
      },
    });
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function spawnReplay(): { child: ChildProcess; out: () => string; exited: Promise<unknown> } {
    const child = spawn(
      process.execPath,
      [BIN, 'replay', '--quiet', '--config', join(dir, 'config.json'), join(dir, 'mail')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr!.resume();
    children.push(child);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    return { child, out: () => out, exited };
  }

  it('leaves exactly one ticket message per mail, on its parent’s ticket', async () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        stateDir: join(dir, 'state'),
        api: { baseUrl: sandbox.apiUrl, auth: sandboxApiAuth(), concurrency: 8, onUnmatched: 'create' },
      }),
    );
    const ticketOf = new Map(sandbox.state().messages.map((m) => [m.MessageId, m.TicketId]));
    expect(ticketOf.size).toBe(PARENTS);
    const inFlightAtKills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      // Each run starts over (replay has no progress of its own; what the API has is found again),
      // so it is killed once it has got further than the one before: new POSTs in, one of them
      // answered (the message exists, whether or not the process read the answer), another in
      // flight, with other writes.
      const arrivedBefore = postArrivals;
      const answeredBefore = postsAnswered;
      const { child, exited } = spawnReplay();
      await until(
        () =>
          postArrivals - arrivedBefore >= 3 &&
          postsAnswered > answeredBefore &&
          postsInFlight >= 1 &&
          writesInFlight >= WRITES_IN_FLIGHT,
        `replay ${k + 1} has writes in flight`,
        60_000,
      );
      inFlightAtKills.push(writesInFlight);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await until(() => writesInFlight === 0, 'orphaned writes answered');
      posts = sandbox.state().counters.posts;
    }
    // The kills landed mid-work: writes in flight each time, replies still to be created.
    expect(inFlightAtKills.filter((n) => n >= WRITES_IN_FLIGHT)).toHaveLength(KILLS);
    expect(posts).toBeGreaterThanOrEqual(KILLS);
    expect(posts).toBeLessThan(PARENTS);

    const last = spawnReplay();
    expect(await last.exited).toBe(0);
    const lines = last
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; messageId?: string });
    // A mail the state recorded done in an earlier run is a `duplicate` (not sent again).
    expect(lines).toHaveLength(2 * PARENTS);
    expect(
      lines.filter((l) => !['updated', 'created', 're-threaded', 'duplicate'].includes(l.outcome)),
    ).toEqual([]);

    // Exactly one message per Message-Id; each reply on its parent's ticket; no POST made twice.
    const state = sandbox.state();
    const byId = new Map<string, number[]>();
    for (const m of state.messages)
      byId.set(String(m.MessageId), [...(byId.get(String(m.MessageId)) ?? []), m.TicketId]);
    expect([...byId].filter(([, t]) => t.length !== 1).map(([id]) => id)).toEqual([]);
    expect(state.messages).toHaveLength(2 * PARENTS);
    const misplaced = Array.from({ length: PARENTS }, (_, i) => i + 1).filter(
      (n) => byId.get(`<mail-r${n}@test.example>`)?.[0] !== ticketOf.get(`<mail-p${n}@test.example>`),
    );
    expect(misplaced).toEqual([]);
    expect(state.counters.posts).toBe(PARENTS);
    console.info(
      `[replay-sigkill-concurrent] kills=${KILLS}, writes in flight at the kills: ${inFlightAtKills.join(', ')}; messages created before the last kill: ${posts}; POSTs ${state.counters.posts} for ${PARENTS} new messages, PUTs ${state.counters.puts}`,
    );
  }, 240_000);
});
