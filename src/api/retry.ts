import { backoffDelay } from '../core/backoff.js';
import { type Sleep, sleep as defaultSleep } from '../core/sleep.js';
import { Mail2TicketError } from '../errors.js';
import type { RetryConfig } from './config-schema.js';
import { ApiError } from './errors.js';

export type RetryPolicy = RetryConfig;
export type { Sleep };

export interface RetryOptions {
  signal?: AbortSignal;
  sleep?: Sleep;
  now?: () => number;
  random?: () => number;
  /** Extra veto on retrying a retryable error (e.g. a POST whose fate is unknown). */
  shouldRetry?: (err: Mail2TicketError) => boolean;
  onRetry?: (info: { err: Mail2TicketError; attempt: number; delayMs: number }) => void;
}

/**
 * Run `fn` until it succeeds, fails permanently, or the policy's attempts or total time run out. The
 * last error is rethrown as is: still `retryable`, so the caller defers the mail rather than calling it
 * done or bad. A Retry-After (RFC 9110 §10.2.3) is honoured as the minimum wait; when it reaches past
 * the total budget, waiting would be pointless, so the error is rethrown at once.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  opts: RetryOptions = {},
): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = opts.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof Mail2TicketError) || !err.retryable) throw err;
      if (opts.shouldRetry && !opts.shouldRetry(err)) throw err;
      if (attempt >= policy.maxAttempts) throw err;
      const retryAfter = err instanceof ApiError ? err.retryAfterMs : undefined;
      const wait = Math.max(retryAfter ?? 0, backoffDelay(attempt, policy, opts.random));
      if (now() - started + wait > policy.maxTotalMs) throw err;
      opts.onRetry?.({ err, attempt, delayMs: wait });
      if (opts.signal?.aborted) {
        throw new ApiError('E_API_ABORTED', 'aborted before retrying', { retryable: false });
      }
      await sleep(wait, opts.signal);
      // The sleep ends early on an abort without throwing (src/core/sleep.ts); here that is a failure.
      if (opts.signal?.aborted) {
        throw new ApiError('E_API_ABORTED', 'waiting to retry was aborted', { retryable: false });
      }
    }
  }
}
