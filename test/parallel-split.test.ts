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
  Preparer,
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
  .slice(0, 24)
  .map((n) => fileInput(join(FIXTURES, n)));

type Answer = PreparedResult | ParsedResult | MailResult;

/**
 * A pool that does the work in-process at once but answers only when the test releases a job, so
 * the test decides which answers arrive together (as worker messages do when this thread is busy).
 */
class HeldPool implements PrepareWorkers {
  readonly jobs: { kind: 'parse' | 'prepare'; ready: Promise<void>; release(): void }[] = [];
  constructor(private readonly ctx: PipelineContext) {}

  parse(input: MailInput & { ref: SourceRef }): Promise<ParsedResult | MailResult> {
    return this.hold('parse', parseStream(input.source, input.open(), this.ctx)) as Promise<
      ParsedResult | MailResult
    >;
  }
  prepare(input: MailInput & { ref: SourceRef }): Promise<PreparedResult | MailResult> {
    return this.hold('prepare', prepareInput(input, this.ctx)) as Promise<PreparedResult | MailResult>;
  }
  async close(): Promise<void> {}

  private hold(kind: 'parse' | 'prepare', work: Promise<Answer>): Promise<Answer> {
    let answer: Answer | undefined;
    const ready = work.then((a) => {
      answer = a;
    });
    return new Promise((resolve) => {
      this.jobs.push({ kind, ready, release: () => resolve(answer!) });
    });
  }
}

/** Run queued promise callbacks, but no timer or I/O callback (setImmediate waits). */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Let one turn of the event loop pass (setImmediate callbacks run). */
const turn = () => new Promise((r) => setTimeout(r, 0));

const idle: AutoPolicy = { minMails: 0, idleCores: () => 2 };

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
  it('sends whole mails to the worker while MAIN_BACKLOG parsed mails wait here, parse-only again once they are prepared', async () => {
    await withContext(async (ctx) => {
      let pool: HeldPool | undefined;
      const preparer = new Preparer('auto', ctx, idle, async () => {
        pool = new HeldPool(ctx);
        return pool;
      });
      const results = MAILS.map((m) => preparer.prepare(m));
      await turn();
      const held = pool!;
      // nothing waits here yet: the worker's first mails are parsed only
      expect(held.jobs.map((j) => j.kind)).toEqual(Array(IN_FLIGHT_PER_WORKER).fill('parse'));
      await Promise.all(held.jobs.map((j) => j.ready));

      // Parse answers arrive one after another while this thread has no turn to prepare them: each
      // frees a worker slot, refilled at once; from the answer that finds MAIN_BACKLOG parsed mails
      // waiting here, the worker gets whole mails.
      for (let i = 0; i <= MAIN_BACKLOG; i++) {
        held.jobs[i]!.release();
        await microtasks();
      }
      const refills = held.jobs.slice(IN_FLIGHT_PER_WORKER).map((j) => j.kind);
      expect(refills).toEqual([...Array(MAIN_BACKLOG).fill('parse'), 'prepare']);

      // this thread prepares what waits (one mail per turn), then the worker parses again
      for (let i = 0; i <= MAIN_BACKLOG + 1; i++) await turn();
      held.jobs[MAIN_BACKLOG + 1]!.release();
      await microtasks();
      expect(held.jobs.at(-1)!.kind).toBe('parse');

      // every mail is answered, in its own order, as a prepared result (or a quarantine)
      for (let released = MAIN_BACKLOG + 2; released < MAILS.length; released++) {
        while (held.jobs.length <= released) await turn();
        await held.jobs[released]!.ready;
        held.jobs[released]!.release();
        await turn();
      }
      const out = await Promise.all(results);
      expect(out.map((r) => r.source)).toEqual(MAILS.map((m) => m.source));
      for (const r of out) expect('prepared' in r || 'error' in r).toBe(true);
      expect(preparer.preparedByWorkers).toBe(MAILS.length);
      expect(preparer.parsedByWorkers).toBe(held.jobs.filter((j) => j.kind === 'parse').length);
      await preparer.close();
    });
  });
});
