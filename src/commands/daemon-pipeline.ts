import { Readable } from 'node:stream';
import type { ProcessMail } from '../daemon/types.js';
import { processStream } from '../pipeline.js';
import { buildLiveContext, type LiveContext } from './live-context.js';
import type { ProcessMailContext } from './run.js';

/**
 * The real pipeline for the daemon: one live context per mailbox (its own slevel and mail sorter),
 * built on first use. Parse -> classify -> thread -> map -> PUT, exactly as `replay` does.
 */
export function pipelineProcessMailFactory(): {
  factory: (ctx: ProcessMailContext) => ProcessMail;
  close(): Promise<void>;
} {
  const contexts: Promise<LiveContext>[] = [];
  const factory = ({ config, mailbox, logger }: ProcessMailContext): ProcessMail => {
    let live: Promise<LiveContext> | undefined;
    return async (raw, meta) => {
      if (!live) {
        live = buildLiveContext(config, {
          logger,
          mapping: {
            ...(mailbox.slevel ? { slevel: mailbox.slevel } : {}),
            ...(mailbox.mailSorter ? { mailSorter: mailbox.mailSorter } : {}),
          },
        });
        contexts.push(live);
      }
      const ctx = await live;
      const stream = Buffer.isBuffer(raw) ? Readable.from([raw]) : raw;
      const result = await processStream(`imap:${meta.mailbox}#${meta.uid}`, stream, ctx.pipeline);
      return {
        outcome: result.outcome,
        ...(result.error ? { error: result.error } : {}),
        ...(result.decision ? { kind: result.decision.classification.kind } : {}),
      };
    };
  };
  return {
    factory,
    close: async () => {
      for (const c of contexts) await (await c).close();
    },
  };
}
