import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AutoPolicy,
  cpuIdlePolicy,
  DRY_RUN_WINDOW,
  IN_FLIGHT_PER_WORKER,
  MIN_IDLE_SAMPLE_MS,
  WINDOW_IN_PROCESS,
} from '../src/parallel/preparer.js';
import { parseReplayArgs } from '../src/commands/replay.js';
import type { MailInput } from '../src/sources/types.js';

const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;

// Worker threads run the built files (src/parallel/pool.ts), so the whole replay is taken from
// dist/ (`npm test` builds first): one module graph, as the CLI has.
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { buildContext } = (await import(
  dist('commands/context.js')
)) as typeof import('../src/commands/context.js');
const { defaultConfig } = (await import(dist('config.js'))) as typeof import('../src/config.js');
const { replayResults } = (await import(
  dist('library/replay.js')
)) as typeof import('../src/library/replay.js');
const { Preparer } = (await import(
  dist('parallel/preparer.js')
)) as typeof import('../src/parallel/preparer.js');
const { readSources } = (await import(dist('sources/index.js'))) as typeof import('../src/sources/index.js');

async function results(jobs: number | 'auto', autoPolicy?: AutoPolicy): Promise<string[]> {
  const config = { ...defaultConfig(), stateDir: mkdtempSync(join(tmpdir(), 'm2t-auto-')) };
  const ctx = await buildContext(config, { dryRun: true });
  const out: string[] = [];
  try {
    // the fixtures twice: past the threshold, and every second copy is a duplicate Message-Id
    for await (const r of replayResults([FIXTURES, FIXTURES], ctx.pipeline, {
      jobs,
      ...(autoPolicy ? { autoPolicy } : {}),
    }))
      out.push(JSON.stringify(r));
  } finally {
    await ctx.close();
  }
  return out;
}

describe('--jobs auto', () => {
  it('is the default, and accepts "auto" or a number', () => {
    expect(parseReplayArgs(['x']).jobs).toBe('auto');
    expect(parseReplayArgs(['--jobs', 'auto', 'x']).jobs).toBe('auto');
    expect(parseReplayArgs(['--jobs', '3', 'x']).jobs).toBe(3);
    expect(() => parseReplayArgs(['--jobs', 'many', 'x'])).toThrow(/auto/);
  });

  it('gives the same results when it starts workers part-way as with --jobs 1', async () => {
    const one = await results(1);
    expect(one.length).toBeGreaterThan(100);
    let asked = 0;
    const busy = await results('auto', {
      minMails: 20,
      idleCores: () => {
        asked++;
        return 0;
      },
    });
    const idle = await results('auto', { minMails: 20, idleCores: () => 2 });
    expect(asked).toBe(1); // decided once, after the first 20 mails
    expect(busy).toEqual(one);
    expect(idle).toEqual(one);
  }, 120_000);

  it('waits for a later mail when the idle cores cannot be told yet, then decides once', async () => {
    let asked = 0;
    const policy: AutoPolicy = {
      minMails: 20,
      // as cpuIdlePolicy on a fast machine: the first mails took less than MIN_IDLE_SAMPLE_MS
      idleCores: () => (++asked <= 3 ? undefined : 2),
    };
    const config = { ...defaultConfig(), stateDir: mkdtempSync(join(tmpdir(), 'm2t-auto-wait-')) };
    const ctx = await buildContext(config, { dryRun: true });
    try {
      const preparer = new Preparer('auto', ctx.pipeline, policy);
      const inputs: MailInput[] = [];
      for await (const input of readSources([FIXTURES])) inputs.push(input);
      const pending = inputs.slice(0, 30).map((input) => preparer.prepare(input));
      await Promise.all(pending);
      expect(asked).toBe(4); // mails 21, 22 and 23 could not tell; mail 24 decided
      expect(preparer.usingWorkers).toBe(true);
      await preparer.close();
    } finally {
      await ctx.close();
    }
  }, 60_000);

  it("measures idle cores over the replay's own interval, counting its busy thread as a used core", () => {
    const policy = cpuIdlePolicy(20);
    expect(policy.minMails).toBe(20);
    // too short an interval to tell from 10 ms ticks: no answer yet (the Preparer asks again later)
    expect(policy.idleCores()).toBeUndefined();
    // this thread busy for a while, as the replay's first mails keep it: at most the other cores idle
    const until = performance.now() + MIN_IDLE_SAMPLE_MS + 200;
    let spin = 0;
    while (performance.now() < until) spin++;
    expect(spin).toBeGreaterThan(0);
    const idle = policy.idleCores();
    expect(idle).toBeGreaterThanOrEqual(0);
    // one core was ours the whole time (tick rounding allowed for)
    expect(idle).toBeLessThanOrEqual(availableParallelism() - 0.8);
  });

  it('starts workers for a dry run with an idle core, never for a live replay', async () => {
    const config = { ...defaultConfig(), stateDir: mkdtempSync(join(tmpdir(), 'm2t-auto-live-')) };
    const ctx = await buildContext(config, { dryRun: true });
    const idle: AutoPolicy = { minMails: 2, idleCores: () => 2 };
    const live = { ...ctx.pipeline, apply: async () => ({ outcome: 'updated' as const }) };
    try {
      for (const [pipeline, expected] of [
        [ctx.pipeline, true],
        [live, false],
      ] as const) {
        const preparer = new Preparer('auto', pipeline, idle);
        const pending: Promise<unknown>[] = [];
        for await (const input of readSources([FIXTURES])) {
          pending.push(preparer.prepare(input));
          if (pending.length === 40) break;
        }
        await Promise.all(pending);
        expect(preparer.usingWorkers).toBe(expected);
        if (expected) {
          // One worker fewer than cores; it parses, and this thread prepares what it parsed (the
          // first mails are parsed only: nothing waits here yet, see MAIN_BACKLOG).
          expect(preparer.preparedByWorkers).toBeGreaterThan(0);
          expect(preparer.parsedByWorkers).toBeGreaterThan(0);
          // 40 mails asked for at once: the workers take only what they may prepare at once, the
          // rest waits in the queue for the first to finish
          expect(preparer.peakAtWorkers).toBe(IN_FLIGHT_PER_WORKER);
          expect(preparer.window).toBe(DRY_RUN_WINDOW);
        } else {
          expect(preparer.window).toBe(WINDOW_IN_PROCESS);
        }
        await preparer.close();
      }
    } finally {
      await ctx.close();
    }
  }, 60_000);
});
