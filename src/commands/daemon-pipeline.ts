import { AsyncLocalStorage } from 'node:async_hooks';
import { Readable } from 'node:stream';
import type { Config } from '../config.js';
import type { ProcessMail } from '../daemon/types.js';
import type { Logger } from '../logger.js';
import { completeInOrder, MailOrder, prepareStream } from '../pipeline.js';
import { mappingOptions } from './context.js';
import { buildLiveContext, type LiveContext } from './live-context.js';
import type { ProcessMailContext } from './run.js';

/** The logger of the mail being processed (its mailbox and UID bound). */
const mailLogger = new AsyncLocalStorage<Logger>();

/**
 * A logger that writes through the current mail's logger (mailbox and UID) whenever there is one,
 * and through `fallback` otherwise. Its children (the API client's `component: "api"`) follow the
 * current mail too: the live context is shared by every mailbox, and must not name the mailbox it
 * happened to be built for on every line.
 */
export function followingLogger(fallback: Logger, bindings: Record<string, unknown> = {}): Logger {
  const current = (): Logger => {
    const l = mailLogger.getStore() ?? fallback;
    return Object.keys(bindings).length ? l.child(bindings) : l;
  };
  return new Proxy(fallback, {
    get(_target, prop) {
      if (prop === 'child') {
        return (b: Record<string, unknown>) => followingLogger(fallback, { ...bindings, ...b });
      }
      const l = current();
      const v = Reflect.get(l, prop, l) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(l) : v;
    },
  });
}

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
  // The shared context's own logger: the daemon's (no mailbox), taken from the first factory call.
  // A mail's lines still name its mailbox and UID (followingLogger); the lines of no mail (tenant
  // resolution, the gate's probe and its retries) name none, instead of the first mailbox.
  let shared: Logger | undefined;
  const order = new MailOrder();
  const liveFor = (config: Config) => {
    // Built outside the first mail's context, so what the context does on its own is no mail's.
    live ??= mailLogger.exit(() =>
      buildLiveContext(config, shared ? { logger: followingLogger(shared) } : {}),
    );
    // A context that failed to build (a credential file missing) is built again next time.
    live.catch(() => {
      live = undefined;
    });
    return live;
  };
  const factory = ({ config, mailbox, logger, sharedLogger }: ProcessMailContext): ProcessMail => {
    shared ??= sharedLogger ?? logger;
    const mapping = mappingOptions(config, {
      ...(mailbox.slevel ? { slevel: mailbox.slevel } : {}),
      ...(mailbox.mailSorter ? { mailSorter: mailbox.mailSorter } : {}),
    });
    return (raw, meta) => {
      const log = logger.child({ uid: meta.uid });
      return mailLogger.run(log, () => run(raw, meta, log));
    };
    async function run(raw: Parameters<ProcessMail>[0], meta: Parameters<ProcessMail>[1], log: Logger) {
      const ticket = order.reserve();
      try {
        const pipeline = { ...(await liveFor(config)).pipeline, mapping, logger: log };
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
    }
  };
  return {
    factory,
    // Outside any mail's context, whoever calls: the probe's lines are the API's, not a mail's.
    probe: (config, signal) =>
      mailLogger.exit(async () => {
        const ctx = await liveFor(config);
        await ctx.client.probe({ signal });
      }),
    close: async () => {
      if (live) await (await live).close();
    },
  };
}
