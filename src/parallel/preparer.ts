import { availableParallelism, loadavg } from 'node:os';
import { type MailResult, type PipelineContext, type PreparedResult, prepareInput } from '../pipeline.js';
import type { MailInput } from '../sources/types.js';
import type { PreparePool } from './pool.js';

/** `--jobs`: a number of worker threads, or `auto` (the default). */
export type Jobs = number | 'auto';

/**
 * `--jobs auto` prepares the first AUTO_JOBS_MIN_MAILS mails in-process and, when the replay turns
 * out to be longer, starts one worker per core for the rest of it (kept warm until the replay
 * ends), but only when a core is idle. Measured on the 2-core benchmark machine (docs/benchmarks.md):
 * each worker costs about 0.5 s of CPU to load the parser and sanitizer and 80 to 90 MiB at peak, a
 * replay of a few dozen mails is over before that pays back; and with the cores already busy (load
 * average 7 to 9 from other jobs) two workers made the 2,000-mail replay slower, not faster
 * (27.3 s against 19.8 s wall, 24 s against 17 s CPU), because the threads only compete for the
 * same cores. The 1-minute load average includes this replay's own thread.
 */
export const AUTO_JOBS_MIN_MAILS = 100;

export interface AutoPolicy {
  minMails: number;
  /** Cores nobody is using right now. */
  idleCores(): number;
}

export const DEFAULT_AUTO_POLICY: AutoPolicy = {
  minMails: AUTO_JOBS_MIN_MAILS,
  idleCores: () => availableParallelism() - loadavg()[0]!,
};

/** How many mails may be prepared ahead of the one being completed, per worker. */
export const WINDOW_PER_JOB = 4;

/** Worker threads `auto` uses once it decides to: one per core the process may use. */
export function autoWorkers(): number {
  return Math.min(availableParallelism(), 64);
}

/**
 * Hands out the mail-only work (parse, classify, bodies) of a replay, in-process or to the worker
 * pool, and says how far ahead of the ordered stage it may run.
 */
export class Preparer {
  private pool: Promise<PreparePool> | undefined;
  private started = 0;
  private readonly workers: number;
  private readonly auto: boolean;

  private decided = false;

  constructor(
    jobs: Jobs,
    private readonly ctx: PipelineContext,
    private readonly policy: AutoPolicy = DEFAULT_AUTO_POLICY,
  ) {
    this.auto = jobs === 'auto';
    this.workers = jobs === 'auto' ? autoWorkers() : jobs;
  }

  /** Mails in flight before the oldest must be completed. */
  get window(): number {
    return (this.pool ? this.workers : 1) * WINDOW_PER_JOB;
  }

  prepare(input: MailInput): Promise<PreparedResult | MailResult> {
    this.started++;
    if (!this.pool && !this.decided && this.workers > 1) {
      if (!this.auto) this.startPool();
      else if (this.started > this.policy.minMails) {
        // decided once per replay: workers that are started stay for the rest of it
        this.decided = true;
        if (this.policy.idleCores() >= 1) this.startPool();
      }
    }
    const ref = input.ref;
    if (!this.pool || !ref) return prepareInput(input, this.ctx);
    return this.pool.then((pool) => pool.prepare({ ...input, ref }));
  }

  /** Whether worker threads are preparing (for tests and the benchmark). */
  get usingWorkers(): boolean {
    return this.pool !== undefined;
  }

  private startPool(): void {
    this.pool = import('./pool.js').then(
      (m) => new m.PreparePool(this.workers, this.ctx.mapping, this.ctx.attachments),
    );
  }

  async close(): Promise<void> {
    await (await this.pool)?.close();
  }
}
