import { ApiGate, faultLine } from '../api/gate.js';
import type { Config } from '../config.js';
import { type ErrorCode, type ErrorSummary, Mail2TicketError } from '../errors.js';
import {
  completeInOrder,
  completeMail,
  MailOrder,
  type MailResult,
  type PipelineContext,
  type PreparedResult,
} from '../pipeline.js';
import { type AutoPolicy, type Jobs, Preparer } from '../parallel/preparer.js';
import { checkPaths, readSources } from '../sources/index.js';
import { type ConfigInput, toConfig } from './config.js';

/**
 * Replay met an API fault (a wrong URL, rejected credentials, an unreachable host): it says nothing
 * about the mail, so replay stops at once and quarantines nothing (issue 13 §2). Thrown by the
 * results iterator after the mails already in flight have finished; `done` results came before it.
 */
export class ApiFaultStop extends Mail2TicketError {
  constructor(
    readonly fault: ErrorSummary,
    readonly done: number,
  ) {
    super(
      fault.code as ErrorCode,
      `stopped: the API is at fault, nothing was quarantined (${done} mails done before): ${faultLine(fault)}`,
      { scope: 'api', ...(fault.setting ? { setting: fault.setting } : {}) },
    );
    this.name = 'ApiFaultStop';
  }
}

/**
 * Every mail under `paths` through the pipeline, one result per mail, in source order: the loop the
 * CLI's `replay` writes as NDJSON. With `jobs > 1` (or `auto` on a long replay, see
 * src/parallel/preparer.ts) the mail-only work (parse, classify, bodies) runs in
 * worker threads, a bounded window ahead. Live, up to `concurrency` mails (default: the context's
 * `api.concurrency`) are completed at once; MailOrder makes a mail wait for an earlier one in flight
 * that it threads on (its In-Reply-To, References or bounce original), so threading equals the
 * one-at-a-time run, and the results are still yielded in source order. A held mail whose error the
 * API gate judges an API fault is not yielded: the replay ends with an ApiFaultStop. The next mail is
 * taken only when the consumer asks for the next result.
 */
export async function* replayResults(
  paths: readonly string[],
  ctx: PipelineContext,
  options: { jobs?: Jobs; concurrency?: number; autoPolicy?: AutoPolicy } = {},
): AsyncGenerator<MailResult, void, undefined> {
  const concurrency = options.concurrency ?? ctx.concurrency ?? 1;
  // in-process or worker threads (`auto` decides part-way, see src/parallel/preparer.ts)
  const preparer = new Preparer(options.jobs ?? 1, ctx, options.autoPolicy);
  // Live mode judges a held mail's error: an API fault stops the run (see ApiFaultStop).
  const gate = ctx.apply ? new ApiGate(ctx.probe ? { probe: (s) => ctx.probe!(s) } : {}) : undefined;
  let fault: ErrorSummary | undefined;
  let done = 0;
  const order = concurrency > 1 ? new MailOrder() : undefined;
  // Mails under way at once. Live, each mail spends part of its time on this thread (parse, map,
  // JSON) between its requests, so to keep `concurrency` requests in flight (the API client's window
  // caps them at that, see src/api/window.ts) more mails than that must be started.
  const ahead = concurrency > 1 ? concurrency * LIVE_MAILS_PER_REQUEST_SLOT : concurrency;
  // Results are yielded in source order, but live mails finish in any order: a finished mail behind
  // an unfinished one (a mail with files makes 7 requests, a reply waits for its parent) waits here,
  // and a new mail starts in its place, up to `ahead * LIVE_REORDER_FACTOR` mails held in all. With
  // the window counting held mails as under way, one slow mail at the head stopped new ones from
  // starting, and the requests in flight fell to 1 or 2 until it finished (issue 13's bench).
  const hold = concurrency > 1 ? ahead * LIVE_REORDER_FACTOR : 1;
  interface Entry {
    pending: Promise<PreparedResult | MailResult>;
    settled: boolean;
  }
  const window: Entry[] = [];
  let unsettled = 0;
  let wake: (() => void) | undefined;
  const track = (pending: Promise<PreparedResult | MailResult>): Entry => {
    const entry: Entry = { pending, settled: false };
    unsettled++;
    const settle = () => {
      entry.settled = true;
      unsettled--;
      wake?.();
    };
    pending.then(settle, settle);
    return entry;
  };
  /** Until some mail under way settles. */
  const someSettled = () =>
    new Promise<void>((resolve) => {
      wake = () => {
        wake = undefined;
        resolve();
      };
    });
  const start = (pending: Promise<PreparedResult | MailResult>): Promise<PreparedResult | MailResult> => {
    if (!order) return pending;
    const ticket = order.reserve();
    return pending.then(
      (p) => {
        if ('prepared' in p) return completeInOrder(p, ctx, ticket);
        ticket.finish();
        return p;
      },
      (err: unknown) => {
        ticket.finish();
        throw err;
      },
    );
  };
  /** The mail's result, or undefined when it is held because the API is at fault. */
  const complete = async (pending: Promise<PreparedResult | MailResult>) => {
    const prepared = await pending;
    const result = 'prepared' in prepared ? await completeMail(prepared, ctx) : prepared;
    if (result.outcome === 'deferred' && gate && (fault !== undefined || (await gate.judge(result.error)))) {
      // Not yielded: the mail is not done and says nothing about itself; the next run takes it.
      fault ??= gateFault(gate);
      return undefined;
    }
    done++;
    return result;
  };
  // Room for one more mail: under the window and, live, under the hold with every settled head
  // yielded first.
  const full = () =>
    order
      ? unsettled >= Math.max(preparer.window, ahead) || window.length >= Math.max(preparer.window, hold)
      : window.length >= Math.max(preparer.window, ahead);
  try {
    for await (const input of readSources(paths)) {
      if (fault) break;
      window.push(track(start(preparer.prepare(input))));
      while (window.length > 0 && ((order && window[0]!.settled) || full())) {
        if (!window[0]!.settled && order && window.length < Math.max(preparer.window, hold)) {
          await someSettled(); // a mail behind the head finished: room for the next one
          continue;
        }
        const result = await complete(window.shift()!.pending);
        if (result) yield result;
        if (fault) break;
      }
    }
    // After a fault the mails in flight still finish (and are yielded when they succeeded).
    while (window.length) {
      const result = await complete(window.shift()!.pending);
      if (result) yield result;
    }
  } finally {
    // Stopped early (a consumer's `break`): let prepared-ahead work settle before the pool closes.
    await Promise.allSettled(window.map((e) => e.pending));
    await gate?.stop();
    await preparer.close();
  }
  if (fault) throw new ApiFaultStop(fault, done);
}

/** Mails under way per request the API window allows in flight (live replay with concurrency > 1). */
export const LIVE_MAILS_PER_REQUEST_SLOT = 2;
/**
 * Mails held at most (under way, or finished and waiting for an earlier one to be yielded) per mail
 * under way: finished results are small (the NDJSON line's record), the cost is only memory.
 */
export const LIVE_REORDER_FACTOR = 4;

/** The gate's view of the fault (what the probe answered), as an error summary. */
function gateFault(gate: ApiGate): ErrorSummary {
  const h = gate.health();
  return {
    code: h.code ?? 'E_API_HTTP',
    message: h.reason ?? 'the API is at fault',
    scope: 'api',
    ...(h.setting ? { setting: h.setting } : {}),
  };
}

export interface ReplayOptions {
  /**
   * Map and thread only, as `replay --dry-run`: no API, and the state in `stateDir` is read (when it
   * exists) but never written. Default false: live, which needs the config's `api` section.
   */
  dryRun?: boolean;
  /** Worker threads for parsing (1 to 64, default 1), as `replay --jobs`. */
  jobs?: number;
}

/**
 * Replay stored mail (files, folders, mboxes, Maildirs) through the pipeline: one result per mail, in
 * source order, the same records `mail2ticket replay` prints as NDJSON. Nothing runs until the first
 * result is asked for; breaking out of the loop stops the replay and closes its state and connections.
 *
 * Throws at once (E_CONFIG, E_USAGE) for an invalid config or options; a PATH that does not exist
 * rejects the first `next()` with E_USAGE. A mail that cannot be processed is a `quarantined` result,
 * never a throw.
 */
export function replay(
  paths: string | readonly string[],
  config: ConfigInput,
  options: ReplayOptions = {},
): AsyncIterable<MailResult> {
  const list = typeof paths === 'string' ? [paths] : [...paths];
  if (list.length === 0) throw new Mail2TicketError('E_USAGE', 'replay needs at least one path');
  const parsed = toConfig(config);
  const dryRun = options.dryRun === true;
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    throw new Mail2TicketError('E_USAGE', `jobs must be a whole number from 1 to 64, not ${jobs}`);
  }
  if (!dryRun && !parsed.api) {
    throw new Mail2TicketError(
      'E_CONFIG',
      'live mode needs an "api" section in the config (or pass { dryRun: true })',
    );
  }
  return run(list, parsed, dryRun, jobs);
}

async function* run(
  paths: string[],
  config: Config,
  dryRun: boolean,
  jobs: number,
): AsyncGenerator<MailResult, void, undefined> {
  await checkPaths(paths);
  const ctx = dryRun
    ? await (await import('../commands/context.js')).buildContext(config, { dryRun: true })
    : await (await import('../commands/live-context.js')).buildLiveContext(config);
  try {
    yield* replayResults(paths, ctx.pipeline, { jobs });
  } finally {
    await ctx.close();
  }
}
