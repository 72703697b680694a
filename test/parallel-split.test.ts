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
      const answers = new Map<string, { parse: Answer; prepare: Answer }>();
      for (const m of MAILS) {
        answers.set(m.source, {
          // what a worker answers a parse job: parsed, not classified (the main thread classifies)
          parse: await parseStream(m.source, m.open(), ctx, { classify: false }),
          prepare: await prepareInput(m, ctx),
        });
      }
      let pool: HeldPool | undefined;
      const preparer = new Preparer('auto', ctx, idle, async () => {
        pool = new HeldPool(answers);
        return pool;
      });
      const results = MAILS.map((m) => preparer.prepare(m));
      await turn();
      const held = pool!;
      // nothing waits here yet: the worker's first mails are parsed only
      expect(held.jobs.map((j) => j.kind)).toEqual(Array(IN_FLIGHT_PER_WORKER).fill('parse'));

      // Parse answers arrive one after another while this thread has no turn to prepare them: each
      // frees a worker slot, refilled at once; from the answer that finds MAIN_BACKLOG parsed mails
      // waiting here (one worker), the worker gets whole mails.
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

      // every mail is answered, in its own order, as a prepared result (or a quarantine), the same
      // as in-process
      for (let released = MAIN_BACKLOG + 2; released < MAILS.length; released++) {
        while (held.jobs.length <= released) await turn();
        held.jobs[released]!.release();
        await turn();
      }
      const out = await Promise.all(results);
      expect([...answers.values()].some((a) => 'mail' in a.parse && !a.parse.classification)).toBe(true);
      expect(out.map((r) => r.source)).toEqual(MAILS.map((m) => m.source));
      expect(out).toEqual(MAILS.map((m) => answers.get(m.source)!.prepare));
      expect(preparer.preparedByWorkers).toBe(MAILS.length);
      expect(preparer.parsedByWorkers).toBe(held.jobs.filter((j) => j.kind === 'parse').length);
      await preparer.close();
    });
  });
});
