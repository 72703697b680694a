import { parseArgs } from 'node:util';
import { Mail2TicketError, describeError } from '../errors.js';
import { ApiFaultStop, replayResults } from '../library/replay.js';
import type { Jobs } from '../parallel/preparer.js';
import type { MailResult, PipelineContext } from '../pipeline.js';
import { loadMailInput } from './mail-input.js';
import { type LineSink, openOutFile, streamSink } from './ndjson-out.js';
import { progressFor } from './progress.js';
import { type BuiltContext, buildContext } from './context.js';
import { LIVE_OUTCOMES, Summary } from './summary.js';

export const REPLAY_USAGE =
  'usage: mail2ticket replay [--dry-run] [--config FILE] [--out FILE] [--jobs N|auto] [--quiet] PATH...';

export interface ReplayIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** `mail2ticket replay`: stored mail through the pipeline, one NDJSON line per mail. */
export async function replayCommand(argv: string[], io: ReplayIo = process): Promise<number> {
  const input = await loadMailInput('replay', REPLAY_USAGE, parseReplayArgs, argv, io.stderr);
  if (input === 2) return 2;
  const { args, config } = input;
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
    // On a terminal, one updating progress line on stderr (src/commands/progress.ts).
    const progress = progressFor(io.stderr, args.paths, args.quiet);
    const summary = await replay(args.paths, ctx.pipeline, args.out, io, {
      jobs: args.jobs,
      ...(progress ? { onResult: progress.add } : {}),
    }).finally(() => progress?.end());
    io.stderr.write(`${summary.format(args.dryRun ? [] : LIVE_OUTCOMES)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof Mail2TicketError && err.code === 'E_USAGE') {
      io.stderr.write(`mail2ticket: ${err.message}\n`);
      return 2;
    }
    if (!(err instanceof ApiFaultStop)) throw err;
    // One line, naming the setting to check (issue 13 §2); the mails not done stay for the next run.
    io.stderr.write(`mail2ticket: ${err.message}\n`);
    return 1;
  } finally {
    await ctx.close();
  }
}

export function parseReplayArgs(argv: string[]): {
  dryRun: boolean;
  quiet: boolean;
  jobs: Jobs;
  out?: string;
  config?: string;
  paths: string[];
} {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: {
        'dry-run': { type: 'boolean' };
        quiet: { type: 'boolean' };
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
        quiet: { type: 'boolean' },
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
  // `auto` (the default): in-process for short replays, a worker per core for long ones
  // (src/parallel/preparer.ts); `--jobs 1` never starts a worker.
  const jobsText = parsed.values.jobs ?? 'auto';
  const jobs: Jobs = jobsText === 'auto' ? 'auto' : Number(jobsText);
  if (jobs !== 'auto' && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)) {
    throw new Mail2TicketError(
      'E_USAGE',
      `--jobs must be "auto" or a whole number from 1 to 64, not "${jobsText}"`,
    );
  }
  return {
    dryRun: parsed.values['dry-run'] === true,
    quiet: parsed.values.quiet === true,
    jobs,
    ...(parsed.values.out ? { out: parsed.values.out } : {}),
    ...(parsed.values.config ? { config: parsed.values.config } : {}),
    paths: parsed.positionals,
  };
}

/**
 * Run every mail under `paths` through the pipeline; write NDJSON in source order; return the counts.
 * The results come from the loop the library's `replay` yields (src/library/replay.ts).
 */
export async function replay(
  paths: string[],
  ctx: PipelineContext,
  out: string | undefined,
  io: ReplayIo,
  options: { jobs?: Jobs; concurrency?: number; onResult?: (r: MailResult) => void } = {},
): Promise<Summary> {
  const summary = new Summary();
  const sink: LineSink = out ? openOutFile(out) : streamSink(io.stdout);
  try {
    const loop = {
      jobs: options.jobs ?? 'auto',
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    };
    for await (const result of replayResults(paths, ctx, loop)) {
      summary.add(result);
      options.onResult?.(result);
      const wait = sink.write(JSON.stringify(result));
      if (wait) await wait;
    }
  } finally {
    await sink.close();
  }
  return summary;
}
