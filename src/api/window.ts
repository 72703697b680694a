/**
 * The number of API requests allowed in flight at once, adapted to the server (issue 13 §3): AIMD,
 * as TCP congestion control does it. A 429 or a 5xx halves the window (never below 1); every
 * `growAfter` successes in a row grow it by one, never above the configured limit. Requests beyond
 * the window wait in arrival order. Pure bookkeeping: no timers, no I/O.
 */
export class AimdWindow {
  private size: number;
  private inFlight = 0;
  private streak = 0;
  private readonly waiting: (() => void)[] = [];
  /** Times the window was halved (for logs and tests). */
  decreases = 0;

  constructor(
    readonly limit: number,
    private readonly growAfter = AIMD_GROW_AFTER,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError('window limit must be a whole number >= 1');
    this.size = limit;
  }

  get current(): number {
    return this.size;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Wait for a slot; resolve with a release function to call exactly once. */
  async acquire(): Promise<() => void> {
    if (this.inFlight >= this.size || this.waiting.length > 0) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.pump();
    };
  }

  /** The server answered well. */
  success(): void {
    if (++this.streak >= this.growAfter && this.size < this.limit) {
      this.size++;
      this.streak = 0;
      this.pump();
    }
  }

  /** The server pushed back (429, 5xx): halve. */
  congestion(): void {
    this.streak = 0;
    const next = Math.max(1, Math.floor(this.size / 2));
    if (next < this.size) this.decreases++;
    this.size = next;
  }

  private pump(): void {
    while (this.inFlight < this.size && this.waiting.length > 0) {
      this.inFlight++;
      this.waiting.shift()!();
    }
  }
}

/** Successes in a row before the window grows by one request. */
export const AIMD_GROW_AFTER = 8;
