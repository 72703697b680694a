import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext } from '../src/commands/context.js';
import { replay } from '../src/commands/replay.js';
import { parseConfig } from '../src/config.js';
import { LIVE_MAILS_PER_REQUEST_SLOT, LIVE_REORDER_FACTOR } from '../src/library/replay.js';
import { MailOrder, type MailResult } from '../src/pipeline.js';
import { type GeneratedMail, generateMailbox, prng, shuffled } from './helpers/conversations.js';

/**
 * Issue 13 §3: many mails in flight keep threading exactly as correct as one at a time. The
 * 500-mail / 60-thread mailbox of test/thread-replay.test.ts is replayed live in random order with
 * `concurrency` 8 against a fake API that answers after a random delay (so completions overtake each
 * other) and, like SuperOffice's import, opens a ticket for every mail threading does not place.
 */

const MAILS = 500;
const THREADS = 60;
let mailbox: GeneratedMail[];
let work: string;

beforeAll(() => {
  mailbox = generateMailbox({ seed: 20240603, mails: MAILS, threads: THREADS });
  work = mkdtempSync(join(tmpdir(), 'm2t-concurrency-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

/** The file name of the `i`th mail: the replay reads them in that order. */
const fileName = (i: number) => `${String(i).padStart(4, '0')}.eml`;

/**
 * `raws` written as files under `dir` in that order and replayed live with `concurrency`, the API
 * being `apply`; the results in output order.
 */
async function replayLive(
  dir: string,
  raws: readonly (string | Buffer)[],
  concurrency: number,
  apply: NonNullable<Parameters<typeof buildContext>[1]['apply']>,
): Promise<MailResult[]> {
  const mailDir = join(dir, 'mail');
  mkdirSync(mailDir, { recursive: true });
  for (const [i, raw] of raws.entries()) writeFileSync(join(mailDir, fileName(i)), raw);
  const built = await buildContext(parseConfig({ stateDir: join(dir, 'state') }), { dryRun: false, apply });
  const results: MailResult[] = [];
  try {
    await replay(
      [mailDir],
      built.pipeline,
      undefined,
      { stdout: sink(), stderr: sink() },
      {
        concurrency,
        // Preparation in-process: this test is about requests in flight, and `auto` would start
        // workers from the TypeScript sources on an idle machine (the CLI's workers run dist/).
        jobs: 1,
        onResult: (r) => results.push(r),
      },
    );
  } finally {
    await built.close();
  }
  return results;
}

async function liveReplay(order: GeneratedMail[], concurrency: number, seed: number) {
  const rnd = prng(seed);
  let nextTicket = 1000;
  let inFlight = 0;
  let maxInFlight = 0;
  const dir = join(work, `c${concurrency}-${seed}`);
  const results = await replayLive(
    dir,
    order.map((m) => m.raw),
    concurrency,
    async (mapped) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 6)));
      inFlight--;
      const threaded = mapped.decision.thread.ticketId;
      return {
        outcome: threaded ? 're-threaded' : 'updated',
        ticketId: threaded ?? ++nextTicket,
        entityId: 1,
      };
    },
  );
  const byId = new Map(mailbox.map((m) => [m.messageId, m]));
  // A result without a payload (quarantined, deferred) is reported whole by the outcome check below.
  const outcomes = results.flatMap((r) =>
    r.payload ? [{ mail: byId.get(r.payload.MessageId)!, ticketId: r.ticketId }] : [],
  );
  return { outcomes, maxInFlight, tickets: nextTicket - 1000, results };
}

/** Every thread on exactly one ticket, no ticket shared by two threads. */
function threadsToTickets(outcomes: { mail: GeneratedMail; ticketId?: number }[]): string[] {
  const byThread = new Map<number, Set<number | undefined>>();
  for (const o of outcomes) {
    const set = byThread.get(o.mail.thread) ?? new Set();
    set.add(o.ticketId);
    byThread.set(o.mail.thread, set);
  }
  const wrong = [...byThread]
    .filter(([, t]) => t.size !== 1 || t.has(undefined))
    .map(([n, t]) => `${n}: ${[...t]}`);
  const tickets = [...byThread.values()].map((s) => [...s][0]);
  if (new Set(tickets).size !== byThread.size) wrong.push('a ticket serves two threads');
  return wrong;
}

describe('live replay with many mails in flight', () => {
  it('threads the 500-mail mailbox in random order exactly as one at a time does', async () => {
    const order = shuffled(mailbox, 7);
    const one = await liveReplay(order, 1, 1);
    const many = await liveReplay(order, 8, 2);
    expect(one.maxInFlight).toBe(1);
    expect(many.maxInFlight).toBeGreaterThan(1); // really overlapped
    for (const run of [one, many]) {
      expect(run.results).toHaveLength(MAILS);
      expect(run.results.filter((r) => r.outcome !== 'updated' && r.outcome !== 're-threaded')).toEqual([]);
      expect(threadsToTickets(run.outcomes)).toEqual([]);
      expect(run.tickets).toBe(THREADS);
    }
    // The output stays in source order, and every decision matches the one-at-a-time run's.
    expect(many.results.map((r) => r.source.slice(-8))).toEqual(one.results.map((r) => r.source.slice(-8)));
    const rule = (r: MailResult) => [
      r.payload!.MessageId,
      r.decision!.thread.matchedBy,
      r.decision!.thread.parentMessageId,
    ];
    expect(many.results.map(rule)).toEqual(one.results.map(rule));
  }, 120_000);
});

describe('live replay with a slow mail at the head', () => {
  it('starts new mails while a finished one waits behind it for its turn in the output', async () => {
    // Issue 13's bench: one slow mail at the head (a mail with files makes 7 requests) stopped new
    // mails from starting once the window of mails under way was full, and the requests in flight
    // fell to 1 or 2 until it finished. The head's apply is held here until HEAD_HOLD later mails
    // have been applied; before the fix at most `concurrency * LIVE_MAILS_PER_REQUEST_SLOT - 1`
    // could be (the test then fails on the count, after the safety timer, instead of hanging).
    const concurrency = 2;
    const ahead = concurrency * LIVE_MAILS_PER_REQUEST_SLOT;
    const held = ahead * LIVE_REORDER_FACTOR;
    const HEAD_HOLD = held - 2;
    const mails = 60;
    const raws = Array.from(
      { length: mails },
      (_, i) =>
        `From: a${i}@example.com\r\nTo: support@example.com\r\nSubject: mail ${i}\r\nMessage-ID: <slow-head-${i}@example.com>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nbody ${i}\r\n`,
    );
    let othersApplied = 0;
    let othersWhenReleased = -1;
    let release!: () => void;
    const headReleased = new Promise<void>((r) => (release = r));
    const safety = setTimeout(() => {
      othersWhenReleased = othersApplied;
      release();
    }, 10_000);
    let maxUnderWayAtOnce = 0;
    let underWay = 0;
    let results: MailResult[];
    try {
      results = await replayLive(join(work, 'slow-head'), raws, concurrency, async (mapped) => {
        underWay++;
        maxUnderWayAtOnce = Math.max(maxUnderWayAtOnce, underWay);
        try {
          if (mapped.payload.MessageId === '<slow-head-0@example.com>') await headReleased;
          else if (++othersApplied === HEAD_HOLD && othersWhenReleased < 0) {
            othersWhenReleased = othersApplied;
            release();
          }
          return { outcome: 'updated', ticketId: 1, entityId: 1 };
        } finally {
          underWay--;
        }
      });
    } finally {
      clearTimeout(safety);
    }
    expect(othersWhenReleased).toBe(HEAD_HOLD);
    // Never more than `held` mails held at once: the head and at most held - 1 behind it.
    expect(othersWhenReleased).toBeLessThan(held);
    expect(maxUnderWayAtOnce).toBeLessThanOrEqual(ahead);
    // The output is still in source order, every mail once.
    expect(results.map((r) => r.source.slice(-8))).toEqual(
      Array.from({ length: mails }, (_, i) => fileName(i)),
    );
    expect(results.every((r) => r.outcome === 'updated')).toBe(true);
  }, 60_000);
});

describe('MailOrder', () => {
  it('lets unrelated mails overtake and holds a mail behind an earlier one sharing a Message-Id', async () => {
    const order = new MailOrder();
    const a = order.reserve();
    const b = order.reserve();
    const c = order.reserve();
    const log: string[] = [];
    const pa = a.ready(['<a@x>']).then(() => log.push('a ready'));
    const pc = c.ready(['<c@x>', '<a@x>']).then(() => log.push('c ready'));
    const pb = b.ready(['<b@x>']).then(() => log.push('b ready'));
    await Promise.all([pa, pb]);
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['a ready', 'b ready']); // c waits for a
    b.finish();
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toHaveLength(2);
    a.finish();
    await pc;
    expect(log).toEqual(['a ready', 'b ready', 'c ready']);
    c.finish();
    c.finish(); // idempotent
    expect(order.size).toBe(0);
  });
});
