import { Readable } from 'node:stream';
import type { ProcessMail } from '../daemon/types.js';
import { processStream } from '../pipeline.js';
import { mappingOptions } from './context.js';
import { buildLiveContext, type LiveContext } from './live-context.js';
import type { ProcessMailContext } from './run.js';

/**
 * The real pipeline for the daemon: parse -> classify -> thread -> map -> PUT, exactly as `replay`
 * does. All mailboxes share one live context (one keep-alive pool to the API, one connection to the
 * thread index), built on first use; only the mapping (slevel, mail sorter) is per mailbox.
 */
export function pipelineProcessMailFactory(): {
  factory: (ctx: ProcessMailContext) => ProcessMail;
  close(): Promise<void>;
} {
  let live: Promise<LiveContext> | undefined;
  const factory = ({ config, mailbox, logger }: ProcessMailContext): ProcessMail => {
    const mapping = mappingOptions(config, {
      ...(mailbox.slevel ? { slevel: mailbox.slevel } : {}),
      ...(mailbox.mailSorter ? { mailSorter: mailbox.mailSorter } : {}),
    });
    return async (raw, meta) => {
      live ??= buildLiveContext(config, { logger });
      const pipeline = { ...(await live).pipeline, mapping, logger };
      const stream = Buffer.isBuffer(raw) ? Readable.from([raw]) : raw;
      const result = await processStream(`imap:${meta.mailbox}#${meta.uid}`, stream, pipeline);
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
      if (live) await (await live).close();
    },
  };
}
