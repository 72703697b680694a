/**
 * Fault injection for the sandbox, so that retry behaviour is tested against real sockets:
 * latency, a share of 500s, 429s with Retry-After, and dropped connections (before the request has any
 * effect, or after the effect with the response lost: the case that makes a blind POST retry create a
 * duplicate). Rates draw from a seeded PRNG, so a failing run can be repeated exactly; `queue` forces
 * the next faults one by one for precise tests.
 */

/**
 * `drop-during`: the connection is cut after the first chunk of the request body arrived (an upload
 * broken in the middle; other requests: as `drop`). `hang`: the request is never answered (a call
 * paused for as long as the test needs, e.g. to SIGKILL the client at that moment). `400`: refused
 * as a bad request before any effect (a file SuperOffice will not take).
 */
export type FaultKind = 'ok' | '500' | '429' | '401' | '400' | 'drop' | 'drop-after' | 'drop-during' | 'hang';

export interface Faults {
  /** Added before every API answer, in milliseconds. */
  latencyMs?: number;
  /** Share (0..1) of API requests answered 500 before any effect. */
  errorRate?: number;
  /** Share answered 429 with Retry-After. */
  rateLimitRate?: number;
  /** Retry-After sent with a 429, in seconds (default 1). */
  retryAfterSeconds?: number;
  /** Send that Retry-After as an HTTP-date instead of delta-seconds (RFC 9110 §10.2.3 allows both). */
  retryAfterDate?: boolean;
  /** Share whose connection is dropped without an answer. */
  dropRate?: number;
  /** Share of drops that happen after the request took effect (default 0.5). */
  dropAfterEffectShare?: number;
  /** PRNG seed for the rates (default 1). */
  seed?: number;
  /** Forced outcomes for the next API requests, consumed first, one per request. */
  queue?: FaultKind[];
  /** Only requests whose "METHOD /path" matches this regular expression get faults. */
  match?: string;
}

/** mulberry32: tiny, seedable, good enough to spread faults (and to shuffle test mailboxes). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private faults: Faults = {};
  private random: () => number = prng(1);
  private queue: FaultKind[] = [];
  private match: RegExp | undefined;

  set(f: Faults): void {
    for (const [k, v] of Object.entries(f)) {
      if (k.endsWith('Rate') || k === 'dropAfterEffectShare') {
        if (typeof v !== 'number' || v < 0 || v > 1) throw new Error(`${k} must be a number from 0 to 1`);
      }
    }
    this.faults = { ...f };
    this.random = prng(f.seed ?? 1);
    this.queue = [...(f.queue ?? [])];
    this.match = f.match ? new RegExp(f.match) : undefined;
  }

  get current(): Faults {
    return { ...this.faults, queue: [...this.queue] };
  }

  get latencyMs(): number {
    return this.faults.latencyMs ?? 0;
  }

  get retryAfterSeconds(): number {
    return this.faults.retryAfterSeconds ?? 1;
  }

  /** The Retry-After header value for a 429. */
  retryAfterHeader(now = Date.now()): string {
    const s = this.retryAfterSeconds;
    return this.faults.retryAfterDate ? new Date(now + s * 1000).toUTCString() : String(s);
  }

  /** The fault for this request ('ok' for none). */
  next(method: string, path: string): FaultKind {
    if (this.match && !this.match.test(`${method} ${path}`)) return 'ok';
    const forced = this.queue.shift();
    if (forced) return forced;
    const f = this.faults;
    const r = this.random();
    let edge = f.errorRate ?? 0;
    if (r < edge) return '500';
    edge += f.rateLimitRate ?? 0;
    if (r < edge) return '429';
    edge += f.dropRate ?? 0;
    if (r < edge) return this.random() < (f.dropAfterEffectShare ?? 0.5) ? 'drop-after' : 'drop';
    return 'ok';
  }
}
