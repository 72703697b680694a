import { createReadStream, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import { backoffDelay } from '../core/backoff.js';
import type { ApiGate } from '../api/gate.js';
import { describeError, type ErrorSummary } from '../errors.js';
import type { Logger } from '../logger.js';
import { deferredDelay } from './backoff.js';
import type { MailboxState } from './mailbox-state.js';
import type { DaemonMetrics } from './metrics.js';
import { writeQuarantine } from './quarantine.js';
import {
  ACCEPTED_OUTCOMES,
  type Clock,
  type FolderInfo,
  type MailRef,
  type MailSource,
  type ProcessMail,
  type ProcessResult,
  type RawMail,
  systemClock,
} from './types.js';

export interface LoopSettings {
  pollIntervalMs: number;
  recheckIntervalMs: number;
  deferredRetryScheduleMs: number[];
  maxDeferredAgeMs: number;
  maxAttempts: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  /** Mails in flight at once (api.concurrency); each is acknowledged after its own API success. */
  concurrency: number;
}

export const DEFAULT_LOOP_SETTINGS: LoopSettings = {
  pollIntervalMs: 30_000,
  recheckIntervalMs: 300_000,
  deferredRetryScheduleMs: [60_000, 300_000, 900_000, 3_600_000],
  maxDeferredAgeMs: 3 * 86_400_000,
  maxAttempts: 20,
  reconnect: { initialDelayMs: 1000, maxDelayMs: 300_000 },
  concurrency: 1,
};

export interface MailboxHealth {
  name: string;
  /** `held`: the API is at fault (src/api/gate.ts); mail stays unread where it is until it answers. */
  state: 'starting' | 'connecting' | 'working' | 'held' | 'waiting' | 'backoff' | 'stopped';
  connected: boolean;
  lastSuccessfulFetchAt: string | null;
  backlog: number;
  consecutiveFailures: number;
  lastError: string | null;
}

export function newHealth(name: string): MailboxHealth {
  return {
    name,
    state: 'starting',
    connected: false,
    lastSuccessfulFetchAt: null,
    backlog: 0,
    consecutiveFailures: 0,
    lastError: null,
  };
}

/** The parts of a mailbox's configuration the loop acts on. */
export interface LoopMailbox {
  name: string;
  folder: string;
  afterSuccess: 'seen' | 'move';
  processedFolder?: string;
  quarantineFolder?: string;
}

export interface RunMailboxOptions {
  mailbox: LoopMailbox;
  source: MailSource;
  processMail: ProcessMail;
  state: MailboxState;
  signal: AbortSignal;
  logger: Logger;
  /** Where quarantined mail is written (`${stateDir}/quarantine/<mailbox>/`). */
  stateDir: string;
  clock?: Clock;
  settings?: Partial<LoopSettings>;
  metrics?: DaemonMetrics;
  /** Updated in place for /healthz. */
  health?: MailboxHealth;
  /** The API as a whole (shared by every mailbox): no mail is started while it is at fault. */
  apiGate?: ApiGate;
}

/** One try of one mail, as the loop settles it. */
interface Attempt {
  ref: MailRef;
  raw: RawMail;
  /** Attempts so far, this one included. */
  attempts: number;
  firstSeen: number;
  log: Logger;
}

/** Shortest wait between passes, so a deferred mail due "now" cannot spin the loop. */
const MIN_WAIT_MS = 50;

/**
 * Run one mailbox until `signal` aborts: connect, catch up in UID order, wait (IDLE or poll),
 * repeat; on any connection or state failure back off (capped, jittered) and reconnect.
 * Resolves once stopped; the mail in flight when the signal aborts is finished first.
 */
export async function runMailbox(opts: RunMailboxOptions): Promise<void> {
  const loop = new MailboxLoop(opts);
  await loop.run();
}

class MailboxLoop {
  private readonly clock: Clock;
  private readonly settings: LoopSettings;
  private readonly health: MailboxHealth;
  private readonly labels: { mailbox: string };
  /** Mails held in this pass because the API was at fault: the next pass starts as soon as it answers. */
  private held = 0;

  constructor(private readonly opts: RunMailboxOptions) {
    this.clock = opts.clock ?? systemClock;
    this.settings = { ...DEFAULT_LOOP_SETTINGS, ...opts.settings };
    this.health = opts.health ?? newHealth(opts.mailbox.name);
    this.labels = { mailbox: opts.mailbox.name };
  }

  async run(): Promise<void> {
    const { source, signal, logger, metrics } = this.opts;
    while (!signal.aborted) {
      try {
        this.health.state = 'connecting';
        const info = await source.open(signal);
        this.health.connected = true;
        metrics?.connected.set(this.labels, 1);
        logger.info(
          { uidValidity: info.uidValidity, exists: info.exists, idle: info.canIdle },
          'mailbox connected',
        );
        await this.session(info);
      } catch (err) {
        this.health.connected = false;
        metrics?.connected.set(this.labels, 0);
        if (signal.aborted) break;
        if ((err as { code?: unknown }).code === 'E_LEASE_LOST') {
          // Another instance holds the mailbox now (src/daemon/lease.ts): its work, not ours.
          this.health.lastError = describeError(err);
          logger.warn({ err: this.health.lastError }, 'mailbox lease lost; stopping this mailbox here');
          break;
        }
        const n = ++this.health.consecutiveFailures;
        const delay = backoffDelay(n, this.settings.reconnect, this.clock.random);
        this.health.lastError = describeError(err);
        this.health.state = 'backoff';
        // Loud on purpose: a mailbox that cannot connect is an outage for its users.
        logger.error(
          { err: this.health.lastError, failures: n, retryInMs: delay },
          'mailbox failed; will reconnect',
        );
        metrics?.reconnects.inc(this.labels);
        await source.close().catch(() => {});
        await this.clock.sleep(delay, signal);
      }
    }
    await source.close().catch(() => {});
    this.health.connected = false;
    this.health.state = 'stopped';
    metrics?.connected.set(this.labels, 0);
    logger.info('mailbox stopped');
  }

  private async session(info: FolderInfo): Promise<void> {
    const { state, signal, source, logger, metrics } = this.opts;
    const uv = await state.syncUidValidity(info.uidValidity, this.clock.now());
    if (uv.changed) {
      logger.warn(
        { previous: uv.previous, uidValidity: info.uidValidity },
        'UIDVALIDITY changed: re-scanning the folder, mail already done is recognised by Message-Id',
      );
    }
    await this.settleOwed();
    while (!signal.aborted) {
      this.health.state = 'working';
      await this.pass();
      // A full pass over a fresh connection: the mailbox is healthy again.
      this.health.consecutiveFailures = 0;
      this.health.lastError = null;
      if (signal.aborted) break;
      if (this.held > 0) {
        // Held mail is due the moment the API answers again, not at the next IDLE wake-up.
        this.held = 0;
        await this.holdWhileApiAtFault();
        continue;
      }
      let timeout = info.canIdle ? this.settings.recheckIntervalMs : this.settings.pollIntervalMs;
      const due = await state.nextDeferredDue();
      if (due !== undefined) timeout = Math.min(timeout, Math.max(MIN_WAIT_MS, due - this.clock.now()));
      this.health.state = 'waiting';
      const r = await source.wait(timeout, signal);
      if (r === 'changed') metrics?.idleWakeups.inc(this.labels);
    }
  }

  /** Finish server-side effects recorded but not done (crash or cut connection in between). */
  private async settleOwed(): Promise<void> {
    const { state, source, logger } = this.opts;
    for (const rec of await state.owed()) {
      const still = await source.fetchMeta(rec.uid);
      if (still) {
        if (rec.status === 'quarantined') await this.applyQuarantine(rec.uid);
        else await this.applySuccess(rec.uid);
      }
      await state.markApplied(rec.uid);
      logger.info({ uid: rec.uid, status: rec.status }, 'settled a server-side action owed from before');
    }
  }

  private async pass(): Promise<void> {
    const { state, source, signal, metrics } = this.opts;
    const uids = await source.listUids(await state.floor());
    this.health.lastSuccessfulFetchAt = new Date(this.clock.now()).toISOString();
    const unfinished = async () => {
      const left: number[] = [];
      for (const u of uids) {
        const r = await state.get(u);
        if (!r || r.status === 'pending') left.push(u);
      }
      return left;
    };
    this.health.backlog = (await unfinished()).length;
    metrics?.backlog.set(this.labels, this.health.backlog);
    const done = () => {
      this.health.backlog = Math.max(0, this.health.backlog - 1);
      metrics?.backlog.set(this.labels, this.health.backlog);
    };
    // Up to `concurrency` mails in flight (issue 13 §3). Fetching and starting stay in UID order on
    // this one connection; each mail is acknowledged (\Seen, move) after its own API success, in
    // whatever order those come. A failure of one (a lost connection) ends the pass once the rest
    // in flight have finished: the state records each one's progress, so nothing is lost.
    const limit = Math.max(1, this.settings.concurrency);
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    try {
      for (const uid of uids) {
        if (signal.aborted || failure) break;
        const rec = await state.get(uid);
        if (rec && rec.status !== 'pending') continue;
        if (rec?.nextAttempt && rec.nextAttempt > this.clock.now()) continue;
        await this.holdWhileApiAtFault();
        if (signal.aborted) break;
        const started = await this.begin(uid);
        if (!started) {
          done();
          continue;
        }
        const p: Promise<void> = started.rest
          .then(done, (err: unknown) => {
            failure ??= { err };
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
        while (inFlight.size >= limit) await Promise.race(inFlight);
      }
    } finally {
      await Promise.all(inFlight);
    }
    if (failure) throw failure.err;
    // Every UID below the first unfinished one is done or gone: later scans start there.
    const left = await unfinished();
    const last = uids[uids.length - 1];
    if (left.length > 0) await state.setFloor(left[0]!, this.clock.now());
    else if (last !== undefined) await state.setFloor(last + 1, this.clock.now());
    this.health.backlog = left.length;
    metrics?.backlog.set(this.labels, this.health.backlog);
  }

  /** While the API is at fault, start nothing (the mail stays unread where it is). */
  private async holdWhileApiAtFault(): Promise<void> {
    const gate = this.opts.apiGate;
    if (!gate || gate.isOpen) return;
    const before = this.health.state;
    this.health.state = 'held';
    await gate.whenOpen(this.opts.signal);
    if (this.health.state === 'held') this.health.state = before;
  }

  /**
   * The part of a mail's handling that runs in UID order: fetch it, count the attempt, start the
   * pipeline. Resolves with the rest (the API's answer and the server-side action), or undefined
   * when there is nothing more to do. (Wrapped in an object: an async function would wait for it.)
   */
  private async begin(uid: number): Promise<{ rest: Promise<void> } | undefined> {
    const { state, source, logger } = this.opts;
    const ref = await source.fetchMeta(uid);
    if (!ref) return undefined; // expunged meanwhile
    const log = logger.child({ uid, messageId: ref.messageId });
    const now = this.clock.now();
    if (await state.isMessageIdDone(ref.messageId)) {
      // Done before under another UID (UIDVALIDITY reset, or the same mail delivered twice).
      await state.firstSeen(uid, ref.messageId, now);
      await state.markAccepted(uid, 'duplicate', ref.messageId, now);
      await this.applySuccess(uid);
      await state.markApplied(uid);
      this.count('duplicate');
      log.info('already done (same Message-Id); not sent again');
      return undefined;
    }
    const firstSeen = await state.firstSeen(uid, ref.messageId, now);
    const before = (await state.get(uid))!;
    const raw = await source.fetchRaw(ref);
    if (!raw) return undefined;
    if (before.attempts >= this.settings.maxAttempts) {
      try {
        // Tried this often already, possibly crashing each time: stop feeding it to the pipeline.
        await this.quarantine(ref, raw, {
          code: 'E_TOO_MANY_ATTEMPTS',
          message: `gave up after ${before.attempts} attempts; last error: ${before.lastError ?? 'none recorded (interrupted)'}`,
        });
      } finally {
        if (raw.kind === 'file') rmSync(raw.path, { force: true });
      }
      return undefined;
    }
    const rec = await state.beginAttempt(uid, ref.messageId, now);
    // Started here, without an await before it, so the pipeline sees mails in UID order (MailOrder
    // in pipeline.ts).
    const processing = this.process(raw, ref, log);
    const rest = (async () => {
      try {
        const result = await processing;
        await this.settle({ ref, raw, attempts: rec.attempts, firstSeen, log }, result);
      } finally {
        if (raw.kind === 'file') rmSync(raw.path, { force: true });
      }
    })();
    return { rest };
  }

  private async settle(a: Attempt, result: ProcessResult): Promise<void> {
    const { ref, raw, attempts, log } = a;
    const { state, apiGate, signal, metrics } = this.opts;
    const uid = ref.uid;
    const outcome = result.outcome;
    if (ACCEPTED_OUTCOMES.has(outcome)) {
      apiGate?.success();
      await state.markAccepted(uid, outcome, ref.messageId, this.clock.now());
      await this.applySuccess(uid);
      await state.markApplied(uid);
      this.count(outcome, result.kind);
      log.info({ outcome, kind: result.kind, attempts }, 'mail done');
    } else if (outcome === 'dry-run') {
      // Nothing was sent, so nothing is done on the server; recorded so it is not re-run forever.
      await state.markAccepted(uid, outcome, ref.messageId, this.clock.now());
      await state.markApplied(uid);
      this.count(outcome, result.kind);
      log.info({ outcome, kind: result.kind }, 'mail processed (dry run)');
    } else if (outcome === 'quarantined') {
      await this.quarantine(
        ref,
        raw,
        result.error ?? { code: 'E_QUARANTINED', message: 'quarantined by the pipeline' },
      );
    } else if (apiGate && (await apiGate.judge(result.error, signal))) {
      // The API's fault, not the mail's (issue 13 §2): the attempt is taken back, the mail stays
      // unread where it is and is tried again once the API answers. The gate logs the fault once.
      await state.refundAttempt(uid);
      this.held++;
      metrics?.apiHeld.inc(this.labels);
      log.debug({ code: result.error?.code }, 'mail held: the API is at fault');
    } else {
      await this.defer(a, result);
    }
  }

  private async process(raw: RawMail, ref: MailRef, log: Logger): Promise<ProcessResult> {
    const { processMail, mailbox, metrics } = this.opts;
    const input: Buffer | Readable = raw.kind === 'buffer' ? raw.data : createReadStream(raw.path);
    const started = performance.now();
    try {
      return await processMail(input, {
        mailbox: mailbox.name,
        uid: ref.uid,
        ...(ref.messageId ? { messageId: ref.messageId } : {}),
      });
    } catch (err) {
      // A throw is a failure we do not understand: retry later like a deferral, attempts counted.
      const code = (err as { code?: unknown }).code;
      log.warn({ err: describeError(err) }, 'processMail threw; deferring');
      return {
        outcome: 'deferred',
        error: {
          code: typeof code === 'string' ? code : 'E_PROCESS',
          message: describeError(err),
          retryable: true,
        },
      };
    } finally {
      metrics?.apiLatency.observe(this.labels, (performance.now() - started) / 1000);
      if (typeof input !== 'object' || !Buffer.isBuffer(input)) (input as Readable).destroy();
    }
  }

  private async defer(a: Attempt, result: ProcessResult): Promise<void> {
    const { ref, raw, attempts, firstSeen, log } = a;
    const now = this.clock.now();
    const why = result.error ? `${result.error.code}: ${result.error.message}` : 'deferred';
    // Time the API was at fault is not the mail's (issue 13 §2: a weekend of maintenance must not
    // quarantine Monday's inbox). The gate remembers the outages of this process.
    const age = now - firstSeen - (this.opts.apiGate?.faultMsBetween(firstSeen, now) ?? 0);
    if (age >= this.settings.maxDeferredAgeMs || attempts >= this.settings.maxAttempts) {
      const limit =
        age >= this.settings.maxDeferredAgeMs
          ? `still deferred after ${Math.round(age / 1000)} s`
          : `${attempts} attempts`;
      await this.quarantine(ref, raw, {
        code: result.error?.code ?? 'E_DEFERRED',
        message: `${limit}; last error: ${why}`,
      });
      return;
    }
    const next = now + deferredDelay(attempts, this.settings.deferredRetryScheduleMs);
    await this.opts.state.markDeferred(ref.uid, why, next);
    this.opts.metrics?.retries.inc(this.labels);
    this.count('deferred', result.kind);
    log.warn(
      { error: why, attempts, retryAt: new Date(next).toISOString() },
      'mail deferred; left on the server',
    );
  }

  private async quarantine(ref: MailRef, raw: RawMail, error: ErrorSummary): Promise<void> {
    const { state, mailbox, stateDir, logger } = this.opts;
    const rec = await state.get(ref.uid);
    const now = this.clock.now();
    // Raw bytes first: once the state says "quarantined" the mail may leave the folder.
    const path = writeQuarantine(stateDir, raw, {
      mailbox: mailbox.name,
      folder: mailbox.folder,
      uid: ref.uid,
      uidValidity: await state.uidValidity(),
      ...(ref.messageId ? { messageId: ref.messageId } : {}),
      code: error.code,
      message: error.message,
      attempts: rec?.attempts ?? 0,
      firstSeen: new Date(rec?.firstSeen ?? now).toISOString(),
      quarantinedAt: new Date(now).toISOString(),
      serverAction: mailbox.quarantineFolder
        ? `moved to ${mailbox.quarantineFolder}`
        : 'left in place, unread',
    });
    await state.markQuarantined(ref.uid, `${error.code}: ${error.message}`, ref.messageId, now, {
      path,
      host: hostname(),
    });
    await this.applyQuarantine(ref.uid);
    await state.markApplied(ref.uid);
    this.count('quarantined');
    logger.error(
      { uid: ref.uid, messageId: ref.messageId, code: error.code, reason: error.message, path },
      'mail quarantined',
    );
  }

  private async applySuccess(uid: number): Promise<void> {
    const mb = this.opts.mailbox;
    // The one action no database statement can fence: ask first (a no-op without leases).
    await this.opts.state.checkLease();
    if (mb.afterSuccess === 'move' && mb.processedFolder)
      await this.opts.source.move(uid, mb.processedFolder);
    else await this.opts.source.markSeen(uid);
  }

  private async applyQuarantine(uid: number): Promise<void> {
    const folder = this.opts.mailbox.quarantineFolder;
    if (!folder) return;
    await this.opts.state.checkLease();
    await this.opts.source.move(uid, folder);
  }

  private count(outcome: string, kind?: string): void {
    this.opts.metrics?.mails.inc({ mailbox: this.opts.mailbox.name, outcome, kind: kind ?? 'unknown' });
  }
}
