import { backoffDelay } from '../core/backoff.js';
import { type Sleep, sleep as defaultSleep } from '../core/sleep.js';
import { describeError, type ErrorSummary, isApiFault, isMail2TicketError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * The API as a whole: up, or at fault (issue 13 §2). A fault of the API or of our configuration of
 * it (a wrong URL, rejected credentials, a host that does not resolve, a tenant in maintenance, a
 * streak of 5xx) says nothing about the mail that met it, so while it lasts no mail is tried, none
 * is quarantined, and the attempts and time it costs are not the mail's. The gate:
 *  - judges a failed mail's error: an `api`-scope error, or a retryable one that outlasted the
 *    client's retries, is checked with a probe (one neutral question, the Message-Id lookup for an id
 *    no mail has). The probe failing too makes it an API fault; the probe answering makes it the
 *    mail's own (an entity-level 403, a PUT that always fails), so one odd mail cannot stop the rest;
 *  - while at fault, holds every caller of whenOpen() and probes with capped, jittered backoff until
 *    the API answers, then opens by itself;
 *  - logs once per change of state (not per mail) and keeps the outages, so callers can take their
 *    time off a mail's deferred age.
 * Without a probe (tests, fakes) the scope alone decides, and after each backoff the next mail is the
 * probe (half-open, as a circuit breaker does).
 */

export interface GateClock {
  now(): number;
  sleep: Sleep;
  random(): number;
}

export interface ApiGateOptions {
  /** Ask the API one neutral question; throw what it answered when it cannot. */
  probe?: (signal: AbortSignal) => Promise<void>;
  logger?: Logger;
  clock?: GateClock;
  /** Probe backoff while at fault. */
  backoff?: { initialDelayMs: number; maxDelayMs: number };
  /** Called on every change of state (metrics). */
  onChange?: (health: ApiHealth) => void;
  /**
   * Outages kept across restarts (the daemon's state store): those of earlier runs, and where to
   * record this run's. Without it the outages of this process alone are known.
   */
  journal?: OutageJournal;
}

/** One outage as stored: its start, its length so far, and whether it was still going on. */
export interface OutageRecord {
  startedAt: number;
  totalMs: number;
  ongoing: boolean;
}

export interface OutageJournal {
  /** Outages recorded by earlier runs, oldest first. */
  past: readonly OutageRecord[];
  /** Record (insert or update, keyed by startedAt) an outage's progress. */
  save(record: OutageRecord): void | Promise<void>;
}

export interface ApiHealth {
  state: 'ok' | 'fault';
  /** ISO time the current fault began; null when ok. */
  since: string | null;
  /** One line: what is wrong and the setting to check. */
  reason: string | null;
  code: string | null;
  setting: string | null;
  /** Faults since start, and probes sent while at fault. */
  faults: number;
  probes: number;
}

export interface Outage {
  start: number;
  end: number;
}

/** Probe waits while the API is at fault: from 1 s, doubling, capped at 5 minutes. */
export const DEFAULT_PROBE_BACKOFF = { initialDelayMs: 1000, maxDelayMs: 300_000 };
/** Outages remembered for the age accounting (a process that runs for years keeps the recent ones). */
const MAX_OUTAGES = 1000;

/** The one line an API fault is reported with (replay's exit line, /healthz, the log). */
export function faultLine(error: Pick<ErrorSummary, 'message' | 'setting'>): string {
  const check =
    error.setting && !error.message.includes(`check ${error.setting}`) ? ` (check ${error.setting})` : '';
  return `${error.message}${check}`;
}

function summary(err: unknown): ErrorSummary {
  if (isMail2TicketError(err)) {
    const { status: _s, ...rest } = err.toJSON();
    return rest;
  }
  return { code: 'E_API_NETWORK', message: describeError(err), retryable: true, scope: 'api' };
}

export class ApiGate {
  private faultSince: number | undefined;
  private current: ErrorSummary | undefined;
  private failures = 0;
  private faults = 0;
  private probes = 0;
  private readonly outages: Outage[] = [];
  private waiters: (() => void)[] = [];
  private probing: Promise<ErrorSummary | undefined> | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopper = new AbortController();
  private readonly clock: GateClock;
  /**
   * An outage an earlier run left going on (it stopped or was killed while the API was at fault).
   * A fault met again before any success continues it, the time the daemon was down included (at
   * fault before and after); a success first closes it where it was last seen.
   */
  private interrupted: Outage | undefined;

  constructor(private readonly opts: ApiGateOptions = {}) {
    this.clock = opts.clock ?? { now: Date.now, sleep: defaultSleep, random: Math.random };
    for (const r of (opts.journal?.past ?? []).slice(-MAX_OUTAGES)) {
      const span = { start: r.startedAt, end: r.startedAt + r.totalMs };
      this.outages.push(span);
      if (r.ongoing) this.interrupted = span;
    }
  }

  get isOpen(): boolean {
    return this.faultSince === undefined;
  }

  health(): ApiHealth {
    return {
      state: this.isOpen ? 'ok' : 'fault',
      since: this.faultSince === undefined ? null : new Date(this.faultSince).toISOString(),
      reason: this.current ? faultLine(this.current) : null,
      code: this.current?.code ?? null,
      setting: this.current?.setting ?? null,
      faults: this.faults,
      probes: this.probes,
    };
  }

  /** Resolves at once while the API is up; while at fault, when it is up again or `signal` aborts. */
  whenOpen(signal?: AbortSignal): Promise<void> {
    if (this.isOpen || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * Is this failed mail's error an API fault? True means: hold the mail, do not count the attempt,
   * do not quarantine (the gate is closed now). False: the error is the mail's own.
   */
  async judge(error: ErrorSummary | undefined, signal?: AbortSignal): Promise<boolean> {
    if (!error || error.code === 'E_API_ABORTED' || error.code === 'E_UNMATCHED') return false;
    const suspect = isApiFault(error) || error.retryable === true;
    if (!suspect) return false;
    if (!this.isOpen) return true;
    if (!this.opts.probe) {
      if (!isApiFault(error)) return false;
      this.enter(error);
      return true;
    }
    const probeError = await this.runProbe(signal);
    if (!probeError) return false;
    // The probe's own words (what the API answers now) are what /healthz and the log show.
    this.enter(isApiFault(probeError) ? probeError : { ...probeError, scope: 'api' });
    return true;
  }

  /** A mail got through: the API works (also ends a half-open trial without a probe). */
  success(): void {
    this.failures = 0;
    if (this.interrupted && this.isOpen) {
      const { start, end } = this.interrupted;
      this.interrupted = undefined;
      this.record({ startedAt: start, totalMs: end - start, ongoing: false });
    }
    if (!this.isOpen && !this.opts.probe) this.leave();
  }

  /** Time at fault between `from` and `to` (ms), for a mail's deferred age. */
  faultMsBetween(from: number, to: number): number {
    let total = 0;
    const spans = [...this.outages];
    if (this.faultSince !== undefined) spans.push({ start: this.faultSince, end: to });
    for (const o of spans) total += Math.max(0, Math.min(o.end, to) - Math.max(o.start, from));
    return total;
  }

  /** Outages that have ended, oldest first. */
  pastOutages(): readonly Outage[] {
    return this.outages;
  }

  /** Stop probing and release every waiter. Idempotent. */
  async stop(): Promise<void> {
    this.stopper.abort();
    for (const w of [...this.waiters]) w();
    await this.loop;
    // Still at fault: the next run continues this outage (see `interrupted`).
    if (this.faultSince !== undefined) this.recordOngoing();
  }

  private recordOngoing(): void {
    const since = this.faultSince!;
    this.record({ startedAt: since, totalMs: this.clock.now() - since, ongoing: true });
  }

  private record(r: OutageRecord): void {
    const journal = this.opts.journal;
    if (!journal) return;
    const failed = (err: unknown) =>
      this.opts.logger?.warn({ err: describeError(err) }, 'could not record the API outage in the state');
    try {
      const saving = journal.save(r);
      if (saving) saving.catch(failed);
    } catch (err) {
      failed(err);
    }
  }

  private runProbe(signal?: AbortSignal): Promise<ErrorSummary | undefined> {
    const probe = this.opts.probe!;
    // Mails failing together share one probe.
    this.probing ??= (async () => {
      try {
        this.probes++;
        await probe(signal ?? this.stopper.signal);
        return undefined;
      } catch (err) {
        const s = summary(err);
        // An aborted probe proves nothing either way.
        return s.code === 'E_API_ABORTED' ? undefined : s;
      } finally {
        this.probing = undefined;
      }
    })();
    return this.probing;
  }

  private enter(error: ErrorSummary): void {
    const changed = this.current?.code !== error.code || this.current?.setting !== error.setting;
    this.current = error;
    if (this.isOpen) {
      const resumed = this.interrupted;
      this.interrupted = undefined;
      const at = resumed ? this.outages.indexOf(resumed) : -1;
      if (at >= 0) this.outages.splice(at, 1);
      this.faultSince = resumed?.start ?? this.clock.now();
      this.recordOngoing();
      this.faults++;
      this.opts.logger?.error(
        { code: error.code, setting: error.setting },
        `API at fault, holding all mail (none is quarantined): ${faultLine(error)}`,
      );
      this.opts.onChange?.(this.health());
      this.loop ??= this.recover().finally(() => {
        this.loop = undefined;
      });
    } else if (changed) {
      this.opts.logger?.warn(
        { code: error.code, setting: error.setting },
        `API still at fault: ${faultLine(error)}`,
      );
      this.opts.onChange?.(this.health());
    }
  }

  private leave(): void {
    const since = this.faultSince;
    if (since === undefined) return;
    const now = this.clock.now();
    this.outages.push({ start: since, end: now });
    if (this.outages.length > MAX_OUTAGES) this.outages.shift();
    this.faultSince = undefined;
    this.record({ startedAt: since, totalMs: now - since, ongoing: false });
    this.current = undefined;
    this.opts.logger?.info({ outageMs: now - since }, 'API answers again; resuming');
    this.opts.onChange?.(this.health());
    for (const w of [...this.waiters]) w();
  }

  /** While at fault: wait, probe, repeat; open once the probe answers (or, without one, half-open). */
  private async recover(): Promise<void> {
    const signal = this.stopper.signal;
    const backoff = this.opts.backoff ?? DEFAULT_PROBE_BACKOFF;
    while (!this.isOpen && !signal.aborted) {
      this.failures++;
      await this.clock.sleep(backoffDelay(this.failures, backoff, this.clock.random), signal);
      if (signal.aborted) return;
      if (!this.opts.probe) {
        this.leave();
        return;
      }
      const err = await this.runProbe(signal);
      if (signal.aborted) return;
      if (!err) {
        this.failures = 0;
        this.leave();
        return;
      }
      this.enter(isApiFault(err) ? err : { ...err, scope: 'api' });
      // Seen at fault until now: what a run after a kill counts at least.
      this.recordOngoing();
    }
  }
}
