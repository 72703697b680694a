import { availableParallelism, cpus } from 'node:os';
import {
  type MailResult,
  type PipelineContext,
  type PreparedResult,
  prepareInput,
  prepareParsed,
  type ParsedResult,
} from '../pipeline.js';
import type { MailInput, SourceRef } from '../sources/types.js';
import type { PreparePool } from './pool.js';

/** `--jobs`: a number of worker threads, or `auto` (the default). */
export type Jobs = number | 'auto';

/**
 * `--jobs auto` prepares the first AUTO_JOBS_MIN_MAILS mails in-process and, when the replay turns
 * out to be longer, starts one worker per core but one for the rest of it (kept warm until the replay
 * ends), but only when a core is idle. Measured on the 2-core benchmark machine (docs/benchmarks.md):
 * each worker costs about 0.5 s of CPU to load the parser and sanitizer and 80 to 90 MiB at peak, a
 * replay of a few dozen mails is over before that pays back; and with the cores already busy (load
 * average 7 to 9 from other jobs) two workers made the 2,000-mail replay slower, not faster
 * (27.3 s against 19.8 s wall, 24 s against 17 s CPU), because the threads only compete for the
 * same cores. Idle cores are measured over the first mails (cpuIdlePolicy). The main thread
 * prepares what the workers parse (MAIN_BACKLOG).
 *
 * 40, not 100 (sixth session, docs/benchmarks.md): with V8's batch interrupt budget
 * (src/core/v8-batch.ts) the first 100 mails took about 0.9 s on one thread; starting after 40
 * was faster in 10 of 12 alternated pairs on the bench corpus (mean wall -7 %, CPU -4 to -6 %) and its
 * peak RSS no higher. A replay of 40 mails is over in about half a second, before a worker pays.
 */
export const AUTO_JOBS_MIN_MAILS = 40;

export interface AutoPolicy {
  minMails: number;
  /** Worker threads to start once decided (default: autoWorkers(), one per core). */
  workers?: number;
  /** Whether this thread prepares queued mails while the workers start (stealCold; default true). */
  prepareWhileWorkersStart?: boolean;
  /**
   * Cores nobody is using right now (this replay's own thread counts as using one), or undefined
   * when too little time has passed to tell: the Preparer then asks again at the next mail.
   */
  idleCores(): number | undefined;
}

/** Idle time of every core since boot, in ms (os.cpus() reads /proc/stat: 10 ms ticks). */
function idleMs(): number {
  let idle = 0;
  for (const c of cpus()) idle += c.times.idle;
  return idle;
}

/**
 * Idle cores measured over the replay's own first mails: the idle time all cores had between the
 * policy's creation and the decision, per unit of wall time, plus what this process used beyond its
 * one thread (V8's garbage-collection helper threads run on the other core and stay with workers
 * too, so they are not someone else's load). The 1-minute load average it replaces lagged by a
 * minute: in the benchmark the replay starts right after the baseline's run, whose load (1.8 on an
 * otherwise idle 2-core machine) kept `auto` in-process although a core was free.
 * With fewer than MIN_IDLE_SAMPLE_MS between the two readings (too few 10 ms ticks to tell), it
 * reports undefined, and the decision waits for a later mail: on a fast machine the first
 * AUTO_JOBS_MIN_MAILS mails can take less than that, and "none" would keep a long replay on one
 * core.
 */
export function cpuIdlePolicy(minMails = AUTO_JOBS_MIN_MAILS): AutoPolicy {
  const idle0 = idleMs();
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    minMails,
    idleCores: () => {
      const wall = performance.now() - t0;
      if (wall < MIN_IDLE_SAMPLE_MS) return undefined;
      const own = process.cpuUsage(own0);
      const helpers = Math.max(0, (own.user + own.system) / 1000 / wall - 1);
      return (idleMs() - idle0) / wall + helpers;
    },
  };
}

/** Shortest interval over which idle cores are measured (see cpuIdlePolicy). */
export const MIN_IDLE_SAMPLE_MS = 200;

/**
 * Idle cores from which `auto` starts its workers. On the idle 2-core benchmark machine the first
 * 100 mails measured 0.46 idle cores by /proc/stat alone (the VM's steal time, the kernel's own
 * threads and the file reads take the rest) and about 0.6 with this process's helper threads; with
 * another busy process beside the replay it is near 0.
 */
export const AUTO_MIN_IDLE_CORES = 0.5;

/**
 * How many mails may be prepared ahead of the one being completed, per worker. Results come back in
 * source order, so one slow mail at the head (the bench corpus's 10 MB mails take 0.6 s, its 50 MB
 * one 3 s) stops every other worker once the window is full: with 4 per worker, the second worker
 * idled for most of those seconds. The results waiting are bodies only (attachments are hashed or
 * spooled as they stream), so a deeper window costs little memory.
 */
export const WINDOW_PER_JOB = 32;

/**
 * A dry run's window with workers: results it may hold ahead of the one it writes next. 64 (two
 * preparers times WINDOW_PER_JOB) was half a second of the other thread's work, so while one thread
 * spent 3 s on the corpus's 50 MB mail the other idled for the rest. What waits is a prepared mail's
 * bodies and headers. Two alternated runs each on the corpus (peak RSS, wall): 64: 344-356 MiB,
 * 17.3/18.6 s; 192: 352 MiB, 16.2/14.8 s; 512: 382-384 MiB, 16.4/16.0 s. A live replay keeps the
 * smaller window: what it prepares ahead holds spooled attachments.
 */
export const DRY_RUN_WINDOW = 192;

/**
 * Mails one worker prepares at once; the rest of the window waits in the Preparer's queue, and each
 * thread takes the next mail when one of its own is done, so each prepares as many as its speed
 * allows (a pull, not a fixed share). Enough to cover the file reads' latency, few enough that the
 * worker's memory does not grow with the window.
 */
export const IN_FLIGHT_PER_WORKER = 8;

/**
 * `auto` splits each mail's work between the threads by stage: the workers parse (mailparser, the
 * attachments sink), the main thread classifies and prepares the bodies and payloads of what they
 * parsed (sanitizer, reply splitter, mapping), beside the ordered stage (threading, output).
 * Classifying moved here in the seventh session (docs/benchmarks.md), when the worker was the busier
 * thread (0.25 s idle of 5.5 s in a profile, the main thread 1.4 s): 8 of 11 alternated pairs were
 * faster, mean wall -3.5 %. Once this thread prepared everything one worker parses
 * (MAIN_KEEPS_UP_WITH), where classify runs made no difference (20 pairs: 5.37 s here, 5.39 s in the
 * worker); it stays here, which keeps the worker's message to what it parsed. Each V8
 * heap then optimises only its own stage's code: on the benchmark corpus a replay's first 2,000
 * mails cost about 4 s more CPU than the next 2,000 of the same kind in the same process (V8
 * interpreting, profiling and compiling the hot code), and with whole mails on both threads both
 * heaps paid it for all of it.
 *
 * When the main thread falls behind, with MAIN_BACKLOG parsed mails per worker waiting for it, the
 * next mails go to the workers whole, so that with many cores the main thread does not hold the
 * workers back (with more than MAIN_KEEPS_UP_WITH workers: one cannot outrun it). Parse results
 * arrive in bursts (a worker finishes several small mails while this thread runs the ordered
 * stage), so the threshold is two workers' worth of mails in flight: with
 * 2 (the first version) the 2-core machine's worker got 40 % of its mails whole while the main
 * thread sat idle for 30 % of the run. Measured (docs/benchmarks.md, "issue 15, third session"),
 * three alternated runs each: threshold 2: 11.6-15.3 s wall, 18.7-22.1 s CPU; 16: 10.9-12.7 s,
 * 18.1-20.5 s (the worker parsed 84 % of its mails only); never whole: 11.2-11.9 s, 17.7-18.9 s.
 * Before, `auto`'s main thread prepared whole mails beside the workers (at most 4 at once); before
 * that, with two workers, it only ran the ordered stage, and the third V8 heap cost 70 to 90 MiB of
 * peak RSS.
 */
export const MAIN_BACKLOG = 2 * IN_FLIGHT_PER_WORKER;

/**
 * Workers whose parsing this thread keeps up with, however many parsed mails wait: it never hands
 * them whole mails. This thread's share of a mail (classify, bodies, mapping, the ordered stage) is
 * about 1.0 ms of CPU on the benchmark corpus against 1.4 ms for the worker's parse (the per-stage
 * table), so with one worker a backlog is a burst that drains, not a trend; a whole mail handed over
 * in a burst made the worker run the sanitizer too, and both heaps compile and collect for it. The
 * 2-core benchmark machine's one worker got 14 to 19 % of its mails whole at MAIN_BACKLOG; with none
 * (seventh session, docs/benchmarks.md): 12 alternated pairs, 8 faster, mean wall 5.10 s against
 * 5.54 s, CPU 8.33 s against 9.32 s; a second batch of 10 rotated triples gave 5.33 s / 8.71 s
 * against 5.65 s / 9.62 s (and a threshold of 32: 5.34 s / 9.09 s). Two workers would outrun it.
 */
export const MAIN_KEEPS_UP_WITH = 1;

/** Mails parsed at once in-process: interleaving more only adds memory on one thread. */
export const WINDOW_IN_PROCESS = 4;

/** What the Preparer needs of its worker threads (src/parallel/pool.ts; tests hand in a fake). */
export type PrepareWorkers = Pick<PreparePool, 'prepare' | 'parse' | 'close'>;

/** The worker threads, loaded only when a replay starts them. */
async function workerPool(size: number, ctx: PipelineContext): Promise<PrepareWorkers> {
  const { PreparePool } = await import('./pool.js');
  return new PreparePool(size, ctx.mapping, ctx.attachments);
}

/** Worker threads `auto` uses once it decides to: one per core the process may use. */
export function autoWorkers(): number {
  return Math.min(availableParallelism(), 64);
}

/**
 * Hands out the mail-only work (parse, classify, bodies) of a replay, in-process or to the worker
 * pool, and says how far ahead of the ordered stage it may run.
 */
export class Preparer {
  private pool: Promise<PrepareWorkers> | undefined;
  private poolSize = 0;
  private started = 0;
  /** Mails the worker parsed that wait for this thread to prepare them, oldest first. */
  private readonly parsed: {
    parsed: ParsedResult;
    resolve(r: PreparedResult | MailResult): void;
    reject(err: unknown): void;
  }[] = [];
  private draining = false;
  private poolPending = 0;
  /** Mails waiting for a preparer with room (see IN_FLIGHT_PER_WORKER), oldest first. */
  private readonly queue: Queued[] = [];
  /**
   * Mails handed to the workers, and of those the ones they only parsed, for this thread to prepare
   * (tests, bench).
   */
  preparedByWorkers = 0;
  parsedByWorkers = 0;
  /** Mails this thread prepared itself while the workers started (stealCold; tests, bench). */
  preparedWhileCold = 0;
  /** The most mails the workers were preparing at once (tests, bench). */
  peakAtWorkers = 0;
  private readonly workers: number;
  private readonly auto: boolean;

  private decided = false;
  /** A worker has answered: until then, this thread prepares queued mails itself (stealCold). */
  private warm: boolean;
  private stealing = 0;

  constructor(
    jobs: Jobs,
    private readonly ctx: PipelineContext,
    private readonly policy: AutoPolicy = cpuIdlePolicy(),
    private readonly startWorkers: (
      size: number,
      ctx: PipelineContext,
    ) => Promise<PrepareWorkers> = workerPool,
  ) {
    this.auto = jobs === 'auto';
    this.warm = !this.auto || policy.prepareWhileWorkersStart === false;
    // Live, `auto` prepares in-process: the API's latency, not this thread, bounds a live replay,
    // and workers only added CPU. Measured on the bench's live drain (200 mails, 50 ms per request,
    // idle 2-core machine, docs/benchmarks.md): with two workers 42-45 ms of CPU per mail and 3.9x
    // the one-at-a-time rate, in-process 16-18 ms and 5.3x. `--jobs N` still starts N workers.
    this.workers = jobs === 'auto' ? (ctx.apply ? 1 : (policy.workers ?? autoWorkers())) : jobs;
  }

  /** Mails in flight before the oldest must be completed. */
  get window(): number {
    if (!this.pool) return WINDOW_IN_PROCESS;
    const window = this.workers * WINDOW_PER_JOB;
    return this.ctx.apply ? window : Math.max(window, DRY_RUN_WINDOW);
  }

  prepare(input: MailInput): Promise<PreparedResult | MailResult> {
    this.started++;
    if (!this.pool && !this.decided && this.workers > 1) {
      if (!this.auto) this.startPool();
      else if (this.started > this.policy.minMails) {
        // decided once per replay (workers that are started stay for the rest of it), as soon as
        // the idle cores can be told
        const idle = this.policy.idleCores();
        if (idle !== undefined) {
          this.decided = true;
          if (idle >= AUTO_MIN_IDLE_CORES) this.startPool();
        }
      }
    }
    const ref = input.ref;
    if (!this.pool || !ref) return prepareInput(input, this.ctx);
    return new Promise((resolve, reject) => {
      this.queue.push({ input: { ...input, ref }, resolve, reject });
      this.pump();
      this.stealCold();
    });
  }

  /**
   * While the workers start, this thread prepares the oldest queued mails itself, WINDOW_IN_PROCESS
   * at a time, until a worker has answered (`warm`). A worker takes about 0.3 to 0.6 s to load its
   * modules and parse its first mail; this thread, its code already optimised by the first
   * AUTO_JOBS_MIN_MAILS mails, sat idle meanwhile, and since it also prepares what the workers parse
   * (MAIN_KEEPS_UP_WITH), its time is the replay's. Measured (seventh session, docs/benchmarks.md),
   * two batches of 10 alternated pairs on the bench corpus: 8 and 7 faster, mean wall 5.18 s against
   * 5.37 s and 4.54 s against 4.90 s, CPU the same. Later, stealing made the replay slower (sixth
   * session: the main thread parsing beside a warm worker cost more CPU than it saved).
   */
  private stealCold(): void {
    while (!this.warm && this.stealing < WINDOW_IN_PROCESS && this.queue.length > 0) {
      const { input, resolve, reject } = this.queue.shift()!;
      this.stealing++;
      this.preparedWhileCold++;
      prepareInput(input, this.ctx)
        .finally(() => {
          this.stealing--;
          this.stealCold();
        })
        .then(resolve, reject);
    }
  }

  /** Hand queued mails, oldest first, to the workers while they have room. */
  private pump(): void {
    while (this.queue.length > 0 && this.poolPending < this.poolSize * IN_FLIGHT_PER_WORKER) {
      const { input, resolve, reject } = this.queue.shift()!;
      this.poolPending++;
      this.preparedByWorkers++;
      this.peakAtWorkers = Math.max(this.peakAtWorkers, this.poolPending);
      // Split stages: the workers only parse while this thread keeps up with preparing what they
      // parsed; once MAIN_BACKLOG parsed mails per worker wait here, they prepare whole mails,
      // unless there are too few of them to outrun this thread (MAIN_KEEPS_UP_WITH).
      // (auto only: `--jobs N` workers prepare whole mails)
      const parseOnly =
        this.auto &&
        (this.poolSize <= MAIN_KEEPS_UP_WITH || this.parsed.length < MAIN_BACKLOG * this.poolSize);
      if (parseOnly) this.parsedByWorkers++;
      this.pool!.then(
        (pool): Promise<PreparedResult | ParsedResult | MailResult> =>
          parseOnly ? pool.parse(input) : pool.prepare(input),
      )
        .finally(() => {
          this.poolPending--;
          this.warm = true;
          this.pump();
        })
        .then((r) => ('mail' in r ? this.prepareHere(r) : r))
        .then(resolve, reject);
    }
  }

  /** Prepare a mail a worker parsed, one per turn of the event loop so the ordered stage goes on. */
  private prepareHere(parsed: ParsedResult): Promise<PreparedResult | MailResult> {
    return new Promise((resolve, reject) => {
      this.parsed.push({ parsed, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drainParsed());
      }
    });
  }

  private drainParsed(): void {
    const next = this.parsed.shift();
    if (next) {
      try {
        next.resolve(prepareParsed(next.parsed, this.ctx));
      } catch (err) {
        next.reject(err);
      }
    }
    if (this.parsed.length > 0) setImmediate(() => this.drainParsed());
    else this.draining = false;
  }

  /** Whether worker threads are preparing (for tests and the benchmark). */
  get usingWorkers(): boolean {
    return this.pool !== undefined;
  }

  private startPool(): void {
    // auto: the main thread prepares what the workers parse (see MAIN_BACKLOG), so one worker (and
    // one V8 heap) fewer than cores. `--jobs N`: N workers prepare whole mails.
    this.poolSize = this.auto ? Math.max(1, this.workers - 1) : this.workers;
    this.pool = this.startWorkers(this.poolSize, this.ctx);
  }

  async close(): Promise<void> {
    await (await this.pool)?.close();
  }
}

interface Queued {
  input: MailInput & { ref: SourceRef };
  resolve(result: PreparedResult | MailResult): void;
  reject(err: unknown): void;
}
