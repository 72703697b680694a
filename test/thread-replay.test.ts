import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../src/classify/index.js';
import { resolveLimits } from '../src/limits.js';
import { messageIdOf } from '../src/message-id.js';
import { parseMail } from '../src/parse/parse.js';
import { openMessageIndex } from '../src/state/open.js';
import { openSqliteIndex } from '../src/state/sqlite.js';
import type { MessageIndex } from '../src/state/store.js';
import { threadConfigSchema } from '../src/thread/config-schema.js';
import { isDuplicate, recordThreaded } from '../src/thread/recorder.js';
import { createResolver } from '../src/thread/resolver.js';
import { createThreadingSteps } from '../src/thread/steps.js';
import { type ThreadInput, threadInputOf, threadMail } from '../src/thread/thread.js';
import type { ThreadDecision } from '../src/types.js';
import { type GeneratedMail, generateMailbox, shuffled } from './helpers/conversations.js';

/**
 * A mailbox of 500 generated mails in 60 threads replayed in random order, twice: every mail
 * must land on its thread (same provisional root in a dry run, same ticket live, no two threads
 * sharing one), and the second replay must be all duplicates.
 */

const MAILS = 500;
const THREADS = 60;
const cfg = threadConfigSchema.parse({});

let mailbox: GeneratedMail[];
let inputs: Map<string, ThreadInput>;
const dirs: string[] = [];

beforeAll(async () => {
  mailbox = generateMailbox({ seed: 20240603, mails: MAILS, threads: THREADS });
  inputs = new Map();
  // Real bytes through the real parser: the headers threading sees are what the parser makes of them.
  for (const m of mailbox) {
    const parsed = await parseMail(m.raw);
    inputs.set(m.messageId, threadInputOf(parsed, classify(parsed), messageIdOf(parsed)));
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'm2t-replay-'));
  dirs.push(d);
  return d;
}

type Outcome = { mail: GeneratedMail; decision?: ThreadDecision; ticketId?: number; duplicate: boolean };

/** The pipeline's order: duplicate check, thread, apply (live: a fake that opens tickets), record. */
async function replay(
  index: MessageIndex,
  order: GeneratedMail[],
  live?: { nextTicket: () => number },
): Promise<Outcome[]> {
  const resolver = createResolver({ index });
  const out: Outcome[] = [];
  for (const mail of order) {
    const input = inputs.get(mail.messageId)!;
    if (await isDuplicate(index, input.messageId)) {
      out.push({ mail, duplicate: true });
      continue;
    }
    const decision = await threadMail(input, resolver, cfg);
    // Live, SuperOffice's import opened a ticket for every mail; a threaded one is moved to the
    // threaded ticket, a new thread keeps its new ticket.
    const ticketId = live ? (decision.ticketId ?? live.nextTicket()) : undefined;
    await recordThreaded(index, input, decision, ticketId === undefined ? {} : { ticketId });
    out.push({ mail, decision, ...(ticketId === undefined ? {} : { ticketId }), duplicate: false });
  }
  return out;
}

/** Group by thread; every thread maps to exactly one key, and no key serves two threads. */
function assertOneKeyPerThread(
  outcomes: Outcome[],
  keyOf: (o: Outcome) => string | number | undefined,
): void {
  const byThread = new Map<number, Set<string | number | undefined>>();
  for (const o of outcomes) {
    let set = byThread.get(o.mail.thread);
    if (!set) {
      set = new Set();
      byThread.set(o.mail.thread, set);
    }
    set.add(keyOf(o));
  }
  expect(byThread.size).toBe(THREADS);
  const wrong = [...byThread].filter(([, keys]) => keys.size !== 1 || keys.has(undefined));
  expect(wrong.map(([t, keys]) => `thread ${t}: ${[...keys].join(', ')}`)).toEqual([]);
  const keys = [...byThread.values()].map((s) => [...s][0]);
  expect(new Set(keys).size).toBe(THREADS);
}

describe('replaying a 500-mail / 60-thread mailbox in random order', () => {
  it('the generated mailbox has the promised shape', () => {
    expect(mailbox).toHaveLength(MAILS);
    expect(new Set(mailbox.map((m) => m.thread)).size).toBe(THREADS);
    expect(new Set(mailbox.map((m) => m.messageId)).size).toBe(MAILS);
    // the parser saw the Message-Id the generator wrote, for every mail
    expect(mailbox.filter((m) => inputs.get(m.messageId)?.messageId.trim() !== m.messageId)).toEqual([]);
    // roots in case-only pairs: a case-insensitive comparison would merge threads
    const roots = mailbox.filter((m) => m.parentId === undefined).map((m) => m.messageId.toLowerCase());
    expect(new Set(roots).size).toBe(THREADS / 2);
  });

  it('dry run: every mail lands on its thread’s root, the same dry run twice gives the same answer, and the state is untouched', async () => {
    const stateDir = join(tempDir(), 'state');
    const order = shuffled(mailbox, 1);
    const run = async () => {
      const opened = openMessageIndex({ stateDir, dryRun: true });
      const first = await replay(opened.index, order);
      const second = await replay(opened.index, shuffled(mailbox, 2));
      await opened.close();
      return { first, second };
    };
    const a = await run();
    expect(a.first.filter((o) => o.duplicate)).toHaveLength(0);
    // The provisional root of every decision is the thread's real root, whatever the order.
    const misplaced = a.first.filter((o) => o.decision?.threadRoot !== o.mail.rootId);
    expect(
      misplaced.map((o) => `${o.mail.messageId}: ${o.decision?.threadRoot} != ${o.mail.rootId}`),
    ).toEqual([]);
    assertOneKeyPerThread(a.first, (o) => o.decision?.threadRoot);
    // Every reply whose parent came earlier in the replay names that parent or another ancestor.
    const matched = a.first.filter((o) => o.decision?.matchedBy !== 'none');
    expect(matched.length).toBeGreaterThan(MAILS / 2);
    expect(a.second.every((o) => o.duplicate)).toBe(true);

    const b = await run();
    expect(b.first.map((o) => o.decision)).toEqual(a.first.map((o) => o.decision));
    const check = openSqliteIndex({ stateDir, readOnly: true });
    expect(await check.isProcessed(mailbox[0]!.messageId)).toBe(false);
    await check.close();
  });

  it('live (fake ticket creation): every mail lands on its thread’s ticket, across a restart all are duplicates', async () => {
    const stateDir = tempDir();
    let next = 1000;
    const nextTicket = () => ++next;

    const first = openSqliteIndex({ stateDir });
    const outcomes = await replay(first, shuffled(mailbox, 3), { nextTicket });
    await first.close();
    assertOneKeyPerThread(outcomes, (o) => o.ticketId);
    expect(next - 1000).toBe(THREADS);

    // Restart: a new connection on the same state directory.
    const second = openSqliteIndex({ stateDir });
    const again = await replay(second, shuffled(mailbox, 4), { nextTicket });
    expect(again.filter((o) => !o.duplicate).map((o) => o.mail.messageId)).toEqual([]);
    // and the index knows every mail's ticket as the thread's ticket
    const ticketOfThread = new Map(outcomes.map((o) => [o.mail.thread, o.ticketId]));
    for (const m of mailbox) {
      expect((await second.getMessage(m.messageId))?.ticketId).toBe(ticketOfThread.get(m.thread));
    }
    await second.close();
  });

  it('through the pipeline (processMail): dry run threads every mail onto its root, replay twice is all duplicate', async () => {
    const { processMail } = await import('../src/pipeline.js');
    const { mappingOptions } = await import('../src/commands/context.js');
    const { defaultConfig } = await import('../src/config.js');
    const config = defaultConfig();
    const steps = createThreadingSteps({
      stateDir: join(tempDir(), 'state'),
      dryRun: true,
      config: config.threading,
      limits: resolveLimits(config.limits),
    });
    const ctx = {
      mapping: mappingOptions(config),
      classify,
      thread: steps.thread,
      isDuplicate: steps.isDuplicate,
      record: steps.record,
    };
    const runOnce = async (seed: number) => {
      const results = [];
      for (const m of shuffled(mailbox, seed)) {
        const r = await processMail({ source: m.messageId, open: () => Readable.from([m.raw]) }, ctx);
        results.push({ mail: m, result: r });
      }
      return results;
    };
    const first = await runOnce(5);
    expect(first.filter((r) => r.result.outcome !== 'dry-run').map((r) => r.result.error)).toEqual([]);
    const wrong = first.filter((r) => r.result.decision?.thread.threadRoot !== r.mail.rootId);
    expect(wrong.map((r) => r.mail.messageId)).toEqual([]);
    const second = await runOnce(6);
    expect(second.every((r) => r.result.outcome === 'duplicate')).toBe(true);
    await steps.close();
  });
});
