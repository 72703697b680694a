import { join } from 'node:path';
import type { ApiGate, ApiHealth } from '../api/gate.js';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import { credentialsFor } from '../imap/connection.js';
import { ImapMailSource } from '../imap/source.js';
import type { Logger } from '../logger.js';
import type { MailboxConfig } from './config-schema.js';
import { type MailboxHealth, newHealth, runMailbox } from './loop.js';
import type { StateStore } from './mailbox-state.js';
import type { DaemonMetrics } from './metrics.js';
import type { Clock, MailSource, ProcessMail } from './types.js';

export interface SupervisorOptions {
  config: Pick<Config, 'stateDir' | 'daemon' | 'mailboxes'> & Partial<Pick<Config, 'api'>>;
  /** The API as a whole, shared by every mailbox: while it is at fault no mailbox starts a mail. */
  apiGate?: ApiGate;
  /** The pipeline for one mailbox (its mailSorter / slevel may differ). */
  processMailFor: (mailbox: MailboxConfig) => ProcessMail;
  store: StateStore;
  logger: Logger;
  metrics?: DaemonMetrics;
  clock?: Clock;
  /** Defaults to the imapflow source; tests may inject another. */
  sourceFor?: (mailbox: MailboxConfig, index: number, logger: Logger) => MailSource;
}

export type StopResult = 'drained' | 'forced';

/**
 * Runs every configured mailbox as its own loop: one that cannot connect backs off on its own
 * schedule and never delays the others. stop() is idempotent: the first call aborts all loops,
 * lets the mail in flight finish within the grace period, then closes what is left.
 */
export class Supervisor {
  private readonly controller = new AbortController();
  private readonly healths: MailboxHealth[] = [];
  private readonly sources: MailSource[] = [];
  private running: Promise<void>[] = [];
  private stopping: Promise<StopResult> | undefined;

  constructor(private readonly opts: SupervisorOptions) {}

  start(): void {
    const { config, logger, metrics, store } = this.opts;
    const d = config.daemon;
    config.mailboxes.forEach((mb, i) => {
      const log = logger.child({ mailbox: mb.name });
      const health = newHealth(mb.name);
      this.healths.push(health);
      const source =
        this.opts.sourceFor?.(mb, i, log) ??
        new ImapMailSource({
          mailbox: mb,
          where: `mailboxes.${i}`,
          credentials: credentialsFor(mb, `mailboxes.${i}`),
          logger: log,
          socketTimeoutMs: d.socketTimeoutMs,
          spoolThresholdBytes: d.spoolThresholdBytes,
          spoolDir: join(config.stateDir, 'spool'),
        });
      this.sources.push(source);
      const run = runMailbox({
        mailbox: mb,
        source,
        processMail: this.opts.processMailFor(mb),
        state: store.mailbox(mb.name),
        signal: this.controller.signal,
        logger: log,
        stateDir: config.stateDir,
        settings: { ...d, concurrency: config.api?.concurrency ?? 1 },
        ...(this.opts.apiGate ? { apiGate: this.opts.apiGate } : {}),
        health,
        ...(metrics ? { metrics } : {}),
        ...(this.opts.clock ? { clock: this.opts.clock } : {}),
      }).catch((err) => {
        // runMailbox handles its own failures; reaching here is a bug, never a silent stop.
        log.fatal({ err: describeError(err) }, 'mailbox loop crashed');
        health.state = 'stopped';
        health.lastError = describeError(err);
      });
      this.running.push(run);
    });
  }

  health(): MailboxHealth[] {
    return this.healths.map((h) => ({ ...h }));
  }

  /** The API's state for /healthz; undefined without a gate. */
  apiHealth(): ApiHealth | undefined {
    return this.opts.apiGate?.health();
  }

  /** Resolves when every loop has ended by itself (only after stop()). */
  whenStopped(): Promise<void> {
    return Promise.all(this.running).then(() => {});
  }

  stop(graceMs = this.opts.config.daemon.shutdownGraceMs): Promise<StopResult> {
    this.stopping ??= (async () => {
      this.controller.abort();
      // Stops probing and lets every mailbox waiting on the API see the abort.
      const gateStopped = this.opts.apiGate?.stop();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'forced'>((resolve) => {
        timer = setTimeout(() => resolve('forced'), graceMs);
      });
      const result = await Promise.race([this.whenStopped().then(() => 'drained' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'forced') {
        this.opts.logger.warn(
          { graceMs },
          'shutdown grace period over; closing connections with mail in flight',
        );
        await Promise.all(this.sources.map((s) => s.close().catch(() => {})));
      }
      await gateStopped;
      return result;
    })();
    return this.stopping;
  }
}
