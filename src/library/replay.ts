import type { Config } from '../config.js';
import { Mail2TicketError } from '../errors.js';
import { type AutoPolicy, type Jobs, Preparer } from '../parallel/preparer.js';
import { completeMail, type MailResult, type PipelineContext, type PreparedResult } from '../pipeline.js';
import { checkPaths, readSources } from '../sources/index.js';
import { type ConfigInput, toConfig } from './config.js';

/**
 * Every mail under `paths` through the pipeline, one result per mail, in source order: the loop the
 * CLI's `replay` writes as NDJSON. With `jobs > 1` (or `auto` on a long replay, see
 * src/parallel/preparer.ts) the mail-only work (parse, classify, bodies) runs in
 * worker threads, a bounded window ahead; threading, the API and the results stay on this thread,
 * strictly in mail order, so a reply always threads against the messages before it, exactly as with
 * `jobs = 1`. The next mail is taken only when the consumer asks for the next result.
 */
export async function* replayResults(
  paths: readonly string[],
  ctx: PipelineContext,
  options: { jobs?: Jobs; autoPolicy?: AutoPolicy } = {},
): AsyncGenerator<MailResult, void, undefined> {
  const preparer = new Preparer(options.jobs ?? 1, ctx, options.autoPolicy);
  const window: Promise<PreparedResult | MailResult>[] = [];
  const complete = async (pending: Promise<PreparedResult | MailResult>) => {
    const prepared = await pending;
    return 'prepared' in prepared ? completeMail(prepared, ctx) : prepared;
  };
  try {
    for await (const input of readSources(paths)) {
      window.push(preparer.prepare(input));
      if (window.length >= preparer.window) yield await complete(window.shift()!);
    }
    while (window.length) yield await complete(window.shift()!);
  } finally {
    // Stopped early (a consumer's `break`): let prepared-ahead work settle before the pool closes.
    await Promise.allSettled(window);
    await preparer.close();
  }
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
