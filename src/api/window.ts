import { currentPriority } from '../core/priority.js';
import { type Sleep, sleep as defaultSleep } from '../core/sleep.js';

/**
 * The number of API requests allowed in flight at once, adapted to the server (issue 13 §3): AIMD,
 * as TCP congestion control does it (RFC 5681 §3.1: halve on loss, grow by one per window of
 * successes; RFC 6582 §3.2: one reduction per window of data).
 *  - A 429, or a streak of `serverErrorStreak` 5xx answers without a success between them, halves
 *    the window (never below 1). One bad answer from a busy server is retried, not a reason to slow
 *    everything down; a streak is.
 *  - Answers to requests sent before the last reduction do not reduce it again: eight requests in
 *    flight meeting one overloaded moment halve the window once, not eight times down to 1.
 *  - Every `growAfter` successes in a row (of requests sent since the last reduction) grow it by
 *    one, never above the configured limit.
 *  - A Retry-After (RFC 9110 §10.2.3) on a 429 or 503 pauses the whole window, not just the request
 *    that got it: the server said when it wants to hear from this client again.
 * Requests beyond the window wait, the oldest mail's first (src/core/priority.ts: the place of the
 * mail in its MailOrder), and in arrival order among equals.
 */
export interface WindowClock {
  now(): number;
  sleep: Sleep;
}

export interface WindowTicket {
  /** Give the slot back; idempotent. */
  release(): void;
  /** The window's reduction count when the request was sent (see congestion()). */
  readonly epoch: number;
}

/** A window slot handed to one request: the first take() gets it, later ones nothing. */
export class HeldSlot {
  constructor(private ticket: WindowTicket | undefined) {}
  take(): WindowTicket | undefined {
    const t = this.ticket;
    this.ticket = undefined;
    return t;
  }
  /** Give it back unused (idempotent). */
  release(): void {
    this.take()?.release();
  }
}

export class AimdWindow {
  private size: number;
  private inFlight = 0;
  private streak = 0;
  private serverErrors = 0;
  private epoch = 0;
  private resumeAt = 0;
  /** Sorted by priority, then arrival: the head is served next. */
  private readonly waiting: { priority: number; resolve: () => void }[] = [];
  private readonly clock: WindowClock;
  private readonly growAfter: number;
  private readonly serverErrorStreak: number;
  /** Times the window was halved (for logs and tests). */
  decreases = 0;

  constructor(
    readonly limit: number,
    opts: { growAfter?: number; serverErrorStreak?: number; clock?: Partial<WindowClock> } = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('window limit must be a whole number >= 1');
    this.size = limit;
    this.growAfter = opts.growAfter ?? AIMD_GROW_AFTER;
    this.serverErrorStreak = opts.serverErrorStreak ?? AIMD_SERVER_ERROR_STREAK;
    this.clock = { now: opts.clock?.now ?? Date.now, sleep: opts.clock?.sleep ?? defaultSleep };
  }

  get current(): number {
    return this.size;
  }

  get active(): number {
    return this.inFlight;
  }

  /**
   * Wait for a slot (and for a Retry-After pause to end); then send, and release exactly once.
   * `paused`: the caller has just waited out that Retry-After itself (the request that got it).
   * `priority`: lower is served first when requests wait (default: the current mail's place).
   */
  async acquire(signal?: AbortSignal, paused = false, priority = currentPriority()): Promise<WindowTicket> {
    // One sleep, not a loop: a pause that grew meanwhile is met by the next request's own check.
    // The request that got the Retry-After waited it out: the pause is over for everyone.
    if (paused) this.resumeAt = 0;
    const wait = this.resumeAt - this.clock.now();
    if (wait > 0) await this.clock.sleep(wait, signal);
    if (this.inFlight >= this.size || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.enqueue(priority, resolve));
    } else this.inFlight++;
    let released = false;
    return {
      epoch: this.epoch,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.pump();
      },
    };
  }

  /**
   * The server answered well. Only answers to requests sent at the current size count toward growing
   * it (RFC 5681 §3.1: growth is per window of data sent after the reduction).
   */
  success(epoch = this.epoch): void {
    this.serverErrors = 0;
    if (epoch < this.epoch) return;
    if (++this.streak >= this.growAfter && this.size < this.limit) {
      this.size++;
      this.streak = 0;
      this.pump();
    }
  }

  /**
   * The server pushed back: `rate-limit` (429) halves at once, `server-error` (5xx) once a streak of
   * them is complete. `epoch` is the sending ticket's; `retryAfterMs` pauses every new request.
   */
  congestion(kind: 'rate-limit' | 'server-error', epoch: number, retryAfterMs?: number): void {
    this.streak = 0;
    if (retryAfterMs !== undefined && retryAfterMs > 0) {
      const until = this.clock.now() + Math.min(retryAfterMs, MAX_RETRY_AFTER_PAUSE_MS);
      this.resumeAt = Math.max(this.resumeAt, until);
    }
    if (kind === 'server-error' && ++this.serverErrors < this.serverErrorStreak) return;
    this.serverErrors = 0;
    if (epoch < this.epoch) return; // sent before the last reduction: already accounted for
    const next = Math.max(1, Math.floor(this.size / 2));
    if (next < this.size) {
      this.decreases++;
      this.epoch++;
    }
    this.size = next;
  }

  private enqueue(priority: number, resolve: () => void): void {
    // After the last entry of equal or lower priority: a binary search over a queue of at most a
    // few hundred requests (mails in flight times their retries).
    let lo = 0;
    let hi = this.waiting.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.waiting[mid]!.priority <= priority) lo = mid + 1;
      else hi = mid;
    }
    this.waiting.splice(lo, 0, { priority, resolve });
  }

  private pump(): void {
    while (this.inFlight < this.size && this.waiting.length > 0) {
      this.inFlight++;
      this.waiting.shift()!.resolve();
    }
  }
}

/** Successes in a row before the window grows by one request. */
export const AIMD_GROW_AFTER = 8;
/** 5xx answers in a row (no success between) that halve the window. */
export const AIMD_SERVER_ERROR_STREAK = 3;
/**
 * Longest pause of the whole window for one Retry-After: a server asking for an hour is in
 * maintenance, which the API gate (gate.ts) waits out with its own probes.
 */
export const MAX_RETRY_AFTER_PAUSE_MS = 300_000;
