import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Config, defaultConfig, loadConfigFile } from '../config.js';
import { ApiGate, faultLine } from '../api/gate.js';
import { describeError, type ErrorSummary, Mail2TicketError } from '../errors.js';
import {
  completeInOrder,
  completeMail,
  MailOrder,
  type MailResult,
  type PipelineContext,
  type PreparedResult,
  prepareInput,
} from '../pipeline.js';
import { checkPaths, readSources } from '../sources/index.js';
import { type BuiltContext, buildContext } from './context.js';
import { LIVE_OUTCOMES, Summary } from './summary.js';

export const REPLAY_USAGE =
  'usage: mail2ticket replay [--dry-run] [--config FILE] [--out FILE] [--jobs N] PATH...';

/** How many mails may be prepared ahead of the one being completed, per worker. */
const WINDOW_PER_JOB = 4;

export interface ReplayIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `mail2ticket replay`: stored mail through the pipeline, one NDJSON line per mail. */
export async function replayCommand(argv: string[], io: ReplayIo = process): Promise<number> {
  let args: ReturnType<typeof parseReplayArgs>;
  try {
    args = parseReplayArgs(argv);
    await checkPaths(args.paths);
  } catch (err) {
    io.stderr.write(`mail2ticket replay: ${describeError(err)}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  let config: Config;
  try {
    config = args.config ? loadConfigFile(args.config) : defaultConfig();
  } catch (err) {
    io.stderr.write(`mail2ticket: ${describeError(err)}\n`);
    return 2;
  }
  let ctx: BuiltContext;
  try {
    ctx = args.dryRun
      ? await buildContext(config, { dryRun: true })
      : await (await import('./live-context.js')).buildLiveContext(config);
  } catch (err) {
    io.stderr.write(`mail2ticket: ${describeError(err)}\n`);
    return 2;
  }
  try {
    const summary = await replay(args.paths, ctx.pipeline, args.out, io, { jobs: args.jobs });
    io.stderr.write(`${summary.format(args.dryRun ? [] : LIVE_OUTCOMES)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ApiFaultStop)) throw err;
    // One line, naming the setting to check (issue 13 §2); the mails not done stay for the next run.
    io.stderr.write(`mail2ticket: ${err.message}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

/**
 * Replay met an API fault (a wrong URL, rejected credentials, an unreachable host): it says nothing
 * about the mail, so replay stops at once and quarantines nothing (issue 13 §2).
 */
export class ApiFaultStop extends Error {
  constructor(
    readonly fault: ErrorSummary,
    readonly summary: Summary,
  ) {
    super(
      `stopped: the API is at fault, nothing was quarantined (${summary.total} mails done before): ${faultLine(fault)}`,
    );
    this.name = 'ApiFaultStop';
  }
}

/**
 * Workers pay only for large replays (each loads the parser and sanitizer, ~1 s of CPU and
 * ~50 MB); the default stays in-process and `--jobs N` opts in. See docs/benchmarks.md.
 */
function defaultJobs(): number {
  return 1;
}

export function parseReplayArgs(argv: string[]): {
  dryRun: boolean;
  jobs: number;
  out?: string;
  config?: string;
  paths: string[];
} {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: {
        'dry-run': { type: 'boolean' };
        out: { type: 'string' };
        config: { type: 'string' };
        jobs: { type: 'string' };
      };
      allowPositionals: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean' },
        out: { type: 'string' },
        config: { type: 'string' },
        jobs: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // node's messages mention "parseArgs"; keep only the part about the user's input.
    throw new Mail2TicketError('E_USAGE', describeError(err).replace(/\. To specify.*$/s, ''));
  }
  if (parsed.positionals.length === 0) throw new Mail2TicketError('E_USAGE', 'missing PATH');
  const jobsText = parsed.values.jobs;
  const jobs = jobsText === undefined ? defaultJobs() : Number(jobsText);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) {
    throw new Mail2TicketError('E_USAGE', `--jobs must be a whole number from 1 to 64, not "${jobsText}"`);
  }
  return {
    dryRun: parsed.values['dry-run'] === true,
    jobs,
    ...(parsed.values.out ? { out: parsed.values.out } : {}),
    ...(parsed.values.config ? { config: parsed.values.config } : {}),
    paths: parsed.positionals,
  };
}

/**
 * Run every mail under `paths` through the pipeline; write NDJSON in source order; return the counts.
 * With `jobs > 1` the mail-only work (parse, classify, bodies) runs in worker threads, a bounded
 * window ahead; threading, the API and the output stay on this thread, strictly in mail order,
 * so a reply always threads against the messages before it, exactly as with `jobs = 1`.
 */
export async function replay(
  paths: string[],
  ctx: PipelineContext,
  out: string | undefined,
  io: ReplayIo,
  options: { jobs?: number; concurrency?: number; onResult?: (r: MailResult) => void } = {},
): Promise<Summary> {
  const summary = new Summary();
  const jobs = options.jobs ?? 1;
  const concurrency = options.concurrency ?? ctx.concurrency ?? 1;
  const pool =
    jobs > 1 ? new (await import('../parallel/pool.js')).PreparePool(jobs, ctx.mapping) : undefined;
  const file: WriteStream | undefined = out ? createWriteStream(out) : undefined;
  const sink: NodeJS.WritableStream = file ?? io.stdout;
  // Live mode judges a held mail's error: an API fault stops the run (see ApiFaultStop).
  const gate = ctx.apply ? new ApiGate(ctx.probe ? { probe: (s) => ctx.probe!(s) } : {}) : undefined;
  let fault: ErrorSummary | undefined;
  const order = concurrency > 1 ? new MailOrder() : undefined;
  // Each entry completes as soon as it is prepared (up to `concurrency` at once, ordered by
  // MailOrder); the output is still written in source order.
  const window: Promise<PreparedResult | MailResult>[] = [];
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
  const emit = async (pending: Promise<PreparedResult | MailResult>) => {
    const prepared = await pending;
    const result = 'prepared' in prepared ? await completeMail(prepared, ctx) : prepared;
    if (result.outcome === 'deferred' && gate && (fault !== undefined || (await gate.judge(result.error)))) {
      // Not written: the mail is not done and says nothing about itself; the next run takes it.
      fault ??= gateFault(gate);
      return;
    }
    summary.add(result);
    options.onResult?.(result);
    if (!sink.write(`${JSON.stringify(result)}\n`)) {
      await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
    }
  };
  const windowSize = Math.max(jobs * WINDOW_PER_JOB, concurrency);
  try {
    for await (const input of readSources(paths)) {
      if (fault) break;
      const ref = input.ref;
      window.push(start(pool && ref ? pool.prepare({ ...input, ref }) : prepareInput(input, ctx)));
      if (window.length >= windowSize) await emit(window.shift()!);
    }
    // After a fault the mails in flight still finish (and are written when they succeeded).
    while (window.length) await emit(window.shift()!);
  } finally {
    await gate?.stop();
    await pool?.close();
    if (file) {
      await new Promise<void>((resolve, reject) =>
        file.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }
  if (fault) throw new ApiFaultStop(fault, summary);
  return summary;
}

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
