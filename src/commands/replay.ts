import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Config, defaultConfig, loadConfigFile } from '../config.js';
import { Mail2TicketError } from '../errors.js';
import { type MailResult, type PipelineContext, processMail } from '../pipeline.js';
import { checkPaths, readSources } from '../sources/index.js';
import { buildContext } from './context.js';
import { Summary } from './summary.js';

export const REPLAY_USAGE = 'usage: mail2ticket replay [--dry-run] [--config FILE] [--out FILE] PATH...';

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
    io.stderr.write(`mail2ticket replay: ${(err as Error).message}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  let config: Config;
  try {
    config = args.config ? loadConfigFile(args.config) : defaultConfig();
  } catch (err) {
    io.stderr.write(`mail2ticket: ${(err as Error).message}\n`);
    return 2;
  }
  const ctx = await buildContext(config, { dryRun: args.dryRun });
  try {
    const summary = await replay(args.paths, ctx.pipeline, args.out, io);
    io.stderr.write(`${summary.format()}\n`);
    return 0;
  } finally {
    await ctx.close();
  }
}

export function parseReplayArgs(argv: string[]): {
  dryRun: boolean;
  out?: string;
  config?: string;
  paths: string[];
} {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: { 'dry-run': { type: 'boolean' }; out: { type: 'string' }; config: { type: 'string' } };
      allowPositionals: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      options: { 'dry-run': { type: 'boolean' }, out: { type: 'string' }, config: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // node's messages mention "parseArgs"; keep only the part about the user's input.
    throw new Mail2TicketError('E_USAGE', (err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  if (parsed.positionals.length === 0) throw new Mail2TicketError('E_USAGE', 'missing PATH');
  return {
    dryRun: parsed.values['dry-run'] === true,
    ...(parsed.values.out ? { out: parsed.values.out } : {}),
    ...(parsed.values.config ? { config: parsed.values.config } : {}),
    paths: parsed.positionals,
  };
}

/** Run every mail under `paths` through the pipeline in order; write NDJSON; return the counts. */
export async function replay(
  paths: string[],
  ctx: PipelineContext,
  out: string | undefined,
  io: ReplayIo,
  onResult?: (r: MailResult) => void,
): Promise<Summary> {
  const summary = new Summary();
  const file: WriteStream | undefined = out ? createWriteStream(out) : undefined;
  const sink: NodeJS.WritableStream = file ?? io.stdout;
  try {
    for await (const input of readSources(paths)) {
      const result = await processMail(input, ctx);
      summary.add(result);
      onResult?.(result);
      if (!sink.write(`${JSON.stringify(result)}\n`)) {
        await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
      }
    }
  } finally {
    if (file)
      await new Promise<void>((resolve, reject) =>
        file!.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
  }
  return summary;
}
