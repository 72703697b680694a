import { join } from 'node:path';
import type { ApiGate, ApiHealth } from '../api/gate.js';
import type { Config } from '../config.js';
import { describeError } from '../errors.js';
import { credentialsFor } from '../imap/connection.js';
import { ImapMailSource } from '../imap/source.js';
import type { Logger } from '../logger.js';
import type { MailboxConfig } from './config-schema.js';
import { type MailboxHealth, newHealth, runMailbox } from './loop.js';
import type { LeaseManager, LeaseStatus } from './lease.js';
import type { Fence, StateStore } from './mailbox-state.js';
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
  /**
   * Mailbox leases (PostgreSQL, several instances): a mailbox runs only while its lease is held.
   * Absent (SQLite, one machine): every mailbox runs from start() to stop().
   */
  leases?: LeaseManager;
  /** Defaults to the imapflow source; tests may inject another. */
  sourceFor?: (mailbox: MailboxConfig, index: number, logger: Logger) => MailSource;
}

export type StopResult = 'drained' | 'forced';

interface Worker {
  health: MailboxHealth;
  controller: AbortController;
  run: Promise<void>;
  source: MailSource;
}

/**
 * Runs every configured mailbox as its own loop: one that cannot connect backs off on its own
 * schedule and never delays the others. stop() is idempotent: the first call aborts all loops,
 * lets the mail in flight finish within the grace period, then closes what is left.
 */
export class Supervisor {
  private readonly controller = new AbortController();
  /** Mailboxes worked here now (all of them without leases; the held ones with). */
  private readonly workers = new Map<string, Worker>();
  private readonly sources: MailSource[] = [];
  private running: Promise<void>[] = [];
  private stopping: Promise<StopResult> | undefined;

  constructor(private readonly opts: SupervisorOptions) {}

  start(): void {
    const { config, leases } = this.opts;
    if (!leases) {
      config.mailboxes.forEach((mb) => {
        this.startWorker(mb);
      });
      return;
    }
    // With leases a mailbox is worked only while this instance holds it (src/daemon/lease.ts).
    const byName = new Map(config.mailboxes.map((mb) => [mb.name, mb]));
    const started = leases.start({
      acquired: (name, fence) => {
        const mb = byName.get(name);
        if (mb && !this.controller.signal.aborted) this.startWorker(mb, fence);
      },
      lost: (name) => this.stopWorker(name),
    });
    // The first heartbeat's failure is logged by the lease manager; later ones retry by themselves.
    this.running.push(started.catch(() => {}));
  }

  private startWorker(mb: MailboxConfig, fence?: Fence): void {
    const { config, logger, metrics, store } = this.opts;
    const d = config.daemon;
    const i = config.mailboxes.indexOf(mb);
    const log = logger.child({ mailbox: mb.name });
    const health = newHealth(mb.name);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    this.controller.signal.addEventListener('abort', onAbort, { once: true });
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
      state: store.mailbox(mb.name, fence),
      signal: controller.signal,
      logger: log,
      stateDir: config.stateDir,
      settings: { ...d, concurrency: config.api?.concurrency ?? 1 },
      ...(this.opts.apiGate ? { apiGate: this.opts.apiGate } : {}),
      health,
      ...(metrics ? { metrics } : {}),
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    })
      .catch((err) => {
        // runMailbox handles its own failures; reaching here is a bug, never a silent stop.
        log.fatal({ err: describeError(err) }, 'mailbox loop crashed');
        health.state = 'stopped';
        health.lastError = describeError(err);
      })
      .finally(() => {
        this.controller.signal.removeEventListener('abort', onAbort);
        const at = this.sources.indexOf(source);
        if (at >= 0) this.sources.splice(at, 1);
      });
    this.workers.set(mb.name, { health, controller, run, source });
    this.running.push(run);
  }

  /** Stop one mailbox's worker (its lease was lost or is given back); resolves once it stopped. */
  private async stopWorker(name: string): Promise<void> {
    const w = this.workers.get(name);
    if (!w) return;
    w.controller.abort();
    // Mail in flight finishes (or is refused by the fence) within the grace period, like a stop.
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'forced'>((resolve) => {
      timer = setTimeout(() => resolve('forced'), this.opts.config.daemon.shutdownGraceMs);
    });
    const r = await Promise.race([w.run.then(() => 'drained' as const), timedOut]);
    clearTimeout(timer);
    if (r === 'forced') await w.source.close().catch(() => {});
    await w.run;
    if (this.workers.get(name) === w) this.workers.delete(name);
  }

  health(): MailboxHealth[] {
    return [...this.workers.values()].map((w) => ({ ...w.health }));
  }

  /** The API's state for /healthz; undefined without a gate. */
  apiHealth(): ApiHealth | undefined {
    return this.opts.apiGate?.health();
  }

  /** Leases held by this instance for /healthz and /metrics; undefined without leases (SQLite). */
  leaseStatus(): LeaseStatus | undefined {
    return this.opts.leases?.status();
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
      // Every worker has stopped: give the leases back so the other instances take over at once
      // instead of after the TTL.
      await this.opts.leases?.stop();
      await gateStopped;
      return result;
    })();
    return this.stopping;
  }
}
