import { Readable } from 'node:stream';
import type { Config } from '../config.js';
import type { ProcessMail } from '../daemon/types.js';
import type { Logger } from '../logger.js';
import { completeInOrder, MailOrder, prepareStream } from '../pipeline.js';
import { mappingOptions } from './context.js';
import { buildLiveContext, type LiveContext } from './live-context.js';
import type { ProcessMailContext } from './run.js';

/**
 * The real pipeline for the daemon: parse -> classify -> thread -> map -> PUT, exactly as `replay`
 * does. All mailboxes share one live context (one keep-alive pool to the API, one connection to the
 * thread index), built on first use; only the mapping (slevel, mail sorter) is per mailbox.
 *
 * Mails are completed many at once (the loop keeps `api.concurrency` per mailbox in flight); one
 * MailOrder for all mailboxes keeps a reply behind the parent it depends on (issue 13 §3). The loop
 * calls processMail in UID order, and the place in the order is taken before anything is awaited.
 */
export function pipelineProcessMailFactory(): {
  factory: (ctx: ProcessMailContext) => ProcessMail;
  /** The API probe for the daemon's gate (src/api/gate.ts), over the same client. */
  probe: (config: Config, signal: AbortSignal) => Promise<void>;
  close(): Promise<void>;
} {
  let live: Promise<LiveContext> | undefined;
  const order = new MailOrder();
  const liveFor = (ctx: { config: Config; logger?: Logger }) => {
    live ??= buildLiveContext(ctx.config, ctx.logger ? { logger: ctx.logger } : {});
    // A context that failed to build (a credential file missing) is built again next time.
    live.catch(() => {
      live = undefined;
    });
    return live;
  };
  const factory = ({ config, mailbox, logger }: ProcessMailContext): ProcessMail => {
    const mapping = mappingOptions(config, {
      ...(mailbox.slevel ? { slevel: mailbox.slevel } : {}),
      ...(mailbox.mailSorter ? { mailSorter: mailbox.mailSorter } : {}),
    });
    return async (raw, meta) => {
      const ticket = order.reserve();
      try {
        const pipeline = { ...(await liveFor({ config, logger })).pipeline, mapping, logger };
        const stream = Buffer.isBuffer(raw) ? Readable.from([raw]) : raw;
        const prepared = await prepareStream(`imap:${meta.mailbox}#${meta.uid}`, stream, pipeline);
        const result = 'prepared' in prepared ? await completeInOrder(prepared, pipeline, ticket) : prepared;
        return {
          outcome: result.outcome,
          ...(result.error ? { error: result.error } : {}),
          ...(result.decision ? { kind: result.decision.classification.kind } : {}),
        };
      } finally {
        ticket.finish();
      }
    };
  };
  return {
    factory,
    probe: async (config, signal) => {
      const ctx = await liveFor({ config });
      await ctx.client.probe({ signal });
    },
    close: async () => {
      if (live) await (await live).close();
    },
  };
}
