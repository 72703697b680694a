import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../src/commands/context.js';
import { defaultConfig } from '../src/config.js';
import {
  type MailResult,
  type ParsedResult,
  type PipelineContext,
  type PreparedResult,
  parseStream,
  prepareInput,
} from '../src/pipeline.js';
import {
  type AutoPolicy,
  IN_FLIGHT_PER_WORKER,
  MAIN_BACKLOG,
  MAIN_KEEPS_UP_WITH,
  Preparer,
  WINDOW_IN_PROCESS,
  type PrepareWorkers,
} from '../src/parallel/preparer.js';
import { fileInput } from '../src/sources/files.js';
import type { MailInput, SourceRef } from '../src/sources/types.js';

/**
 * `--jobs auto` splits a mail's work by stage (src/parallel/preparer.ts, MAIN_BACKLOG): the worker
 * parses, the main thread prepares what it parsed, and once MAIN_BACKLOG parsed mails wait for the
 * main thread the worker gets whole mails. Checked with a fake worker pool whose answers the test
 * releases, so the order of events is the test's, not the scheduler's: the real pool is run by
 * test/parallel-auto.test.ts.
 */
const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;
const MAILS = readdirSync(FIXTURES)
  .filter((n) => n.endsWith('.eml'))
  .sort()
  .map((n) => fileInput(join(FIXTURES, n)));

type Answer = PreparedResult | ParsedResult | MailResult;

/**
 * A worker pool whose answers are computed in-process beforehand and handed out (cloned, as a
 * worker's message is) only when the test releases a job: the test decides which answers arrive
 * together, as worker messages do while this thread is busy, with no turn of the event loop between.
 */
class HeldPool implements PrepareWorkers {
  readonly jobs: { kind: 'parse' | 'prepare'; release(): void }[] = [];
  constructor(private readonly answers: Map<string, { parse: Answer; prepare: Answer }>) {}

  parse(input: MailInput & { ref: SourceRef }): Promise<ParsedResult | MailResult> {
    return this.hold('parse', input) as Promise<ParsedResult | MailResult>;
  }
  prepare(input: MailInput & { ref: SourceRef }): Promise<PreparedResult | MailResult> {
    return this.hold('prepare', input) as Promise<PreparedResult | MailResult>;
  }
  async close(): Promise<void> {}

  private hold(kind: 'parse' | 'prepare', input: MailInput): Promise<Answer> {
    const answer = this.answers.get(input.source)![kind];
    return new Promise((resolve) => {
      this.jobs.push({ kind, release: () => resolve(structuredClone(answer)) });
    });
  }
}

/** Run queued promise callbacks, but no timer or I/O callback (setImmediate waits). */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Let one turn of the event loop pass (setImmediate callbacks run). */
const turn = () => new Promise((r) => setTimeout(r, 0));

/**
 * Three cores: two workers, more than the main thread keeps up with (MAIN_KEEPS_UP_WITH). These
 * tests hold the workers' answers, so the workers are taken as started: nothing is prepared here
 * while they start (the last test covers that).
 */
const POOL = 2;
const idle: AutoPolicy = {
  minMails: 0,
  idleCores: () => 2,
  workers: POOL + 1,
  prepareWhileWorkersStart: false,
};
/** Two cores: one worker, whose parsing the main thread keeps up with. */
const idleOneWorker: AutoPolicy = { ...idle, workers: 2 };

async function withContext(fn: (ctx: PipelineContext) => Promise<void>): Promise<void> {
  const config = { ...defaultConfig(), stateDir: mkdtempSync(join(tmpdir(), 'm2t-split-')) };
  const built = await buildContext(config, { dryRun: true });
  try {
    await fn(built.pipeline);
  } finally {
    await built.close();
  }
}

describe('--jobs auto splits the work by stage', () => {
  /** Every fixture's answers, as a worker would send them: parse jobs parsed, prepare jobs whole. */
  async function answersFor(ctx: PipelineContext) {
    const answers = new Map<string, { parse: Answer; prepare: Answer }>();
    for (const m of MAILS) {
      answers.set(m.source, {
        // what a worker answers a parse job: parsed, not classified (the main thread classifies)
        parse: await parseStream(m.source, m.open(), {
          mapping: ctx.mapping,
          ...(ctx.attachments ? { attachments: ctx.attachments } : {}),
        }),
        prepare: await prepareInput(m, ctx),
      });
    }
    return answers;
  }

  /** A Preparer whose workers are a HeldPool over every fixture's answers (created when it starts them). */
  async function heldPreparer(ctx: PipelineContext, policy: AutoPolicy) {
    const answers = await answersFor(ctx);
    let pool: HeldPool | undefined;
    const preparer = new Preparer('auto', ctx, policy, async () => {
      pool = new HeldPool(answers);
      return pool;
    });
    return { answers, preparer, held: () => pool! };
  }

  /** Release the jobs from `from` until `count` were posted and released, a turn after each. */
  async function releaseUntil(held: HeldPool, from: number, count: number): Promise<void> {
    for (let released = from; released < count; released++) {
      while (held.jobs.length <= released) await turn();
      held.jobs[released]!.release();
      await turn();
    }
  }

  it('sends whole mails to the workers while MAIN_BACKLOG parsed mails per worker wait here, parse-only again once they are prepared', async () => {
    expect(POOL).toBeGreaterThan(MAIN_KEEPS_UP_WITH);
    await withContext(async (ctx) => {
      const { answers, preparer, held: heldPool } = await heldPreparer(ctx, idle);
      const results = MAILS.map((m) => preparer.prepare(m));
      await turn();
      const held = heldPool();
      const inFlight = IN_FLIGHT_PER_WORKER * POOL;
      const backlog = MAIN_BACKLOG * POOL;
      // nothing waits here yet: the workers' first mails are parsed only
      expect(held.jobs.map((j) => j.kind)).toEqual(Array(inFlight).fill('parse'));

      // Parse answers arrive one after another while this thread has no turn to prepare them: each
      // frees a worker slot, refilled at once; from the answer that finds MAIN_BACKLOG parsed mails
      // per worker waiting here, the workers get whole mails.
      for (let i = 0; i <= backlog; i++) {
        held.jobs[i]!.release();
        await microtasks();
      }
      const refills = held.jobs.slice(inFlight).map((j) => j.kind);
      expect(refills).toEqual([...Array(backlog).fill('parse'), 'prepare']);

      // this thread prepares what waits (one mail per turn), then the workers parse again
      for (let i = 0; i <= backlog + 1; i++) await turn();
      held.jobs[backlog + 1]!.release();
      await microtasks();
      expect(held.jobs.at(-1)!.kind).toBe('parse');

      // every mail is answered, in its own order, as a prepared result (or a quarantine), the same
      // as in-process
      await releaseUntil(held, backlog + 2, MAILS.length);
      const out = await Promise.all(results);
      expect([...answers.values()].some((a) => 'mail' in a.parse && !a.parse.classification)).toBe(true);
      expect(out.map((r) => r.source)).toEqual(MAILS.map((m) => m.source));
      expect(out).toEqual(MAILS.map((m) => answers.get(m.source)!.prepare));
      expect(preparer.preparedByWorkers).toBe(MAILS.length);
      expect(preparer.parsedByWorkers).toBe(held.jobs.filter((j) => j.kind === 'parse').length);
      await preparer.close();
    });
  });

  it('with one worker, this thread prepares everything it parses, however many parsed mails wait', async () => {
    await withContext(async (ctx) => {
      const { answers, preparer, held: heldPool } = await heldPreparer(ctx, idleOneWorker);
      const results = MAILS.map((m) => preparer.prepare(m));
      await turn();
      const held = heldPool();
      // Far more than MAIN_BACKLOG answers arrive with no turn for this thread in between: the
      // worker still only parses.
      const burst = Math.min(MAILS.length, 3 * MAIN_BACKLOG);
      for (let i = 0; i < burst; i++) {
        held.jobs[i]!.release();
        await microtasks();
      }
      expect(held.jobs.length).toBeGreaterThan(MAIN_BACKLOG + IN_FLIGHT_PER_WORKER);
      expect(held.jobs.every((j) => j.kind === 'parse')).toBe(true);
      await releaseUntil(held, burst, MAILS.length);
      const out = await Promise.all(results);
      expect(out).toEqual(MAILS.map((m) => answers.get(m.source)!.prepare));
      expect(preparer.parsedByWorkers).toBe(MAILS.length);
      await preparer.close();
    });
  });

  it('prepares queued mails here while the worker starts, and none once it has answered', async () => {
    await withContext(async (ctx) => {
      const {
        answers,
        preparer,
        held: heldPool,
      } = await heldPreparer(ctx, {
        ...idleOneWorker,
        prepareWhileWorkersStart: true,
      });
      const settled = new Set<number>();
      const results = MAILS.map((m, i) => preparer.prepare(m).finally(() => settled.add(i)));
      // The worker has not answered (it is loading): its first mails wait for it, the next ones are
      // prepared here, oldest first, a few at a time.
      for (let i = 0; i < 20 && settled.size < WINDOW_IN_PROCESS + 1; i++) await turn();
      const held = heldPool();
      expect(held.jobs.length).toBe(IN_FLIGHT_PER_WORKER);
      expect(settled.size).toBeGreaterThan(WINDOW_IN_PROCESS);
      expect([...settled].every((i) => i >= IN_FLIGHT_PER_WORKER)).toBe(true);
      // Once it answers, the rest goes to it as its slots free.
      held.jobs[0]!.release();
      await microtasks();
      const cold = preparer.preparedWhileCold;
      for (let i = 0; i < 5; i++) await turn();
      expect(preparer.preparedWhileCold).toBe(cold);
      // the worker gets every mail not prepared here
      await releaseUntil(held, 1, MAILS.length - cold);
      const out = await Promise.all(results);
      expect(out).toEqual(MAILS.map((m) => answers.get(m.source)!.prepare));
      expect(cold).toBeGreaterThan(0);
      expect(preparer.preparedByWorkers + cold).toBe(MAILS.length);
      await preparer.close();
    });
  });
});
