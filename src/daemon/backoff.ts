export interface BackoffSettings {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Capped exponential backoff with "equal jitter" (AWS architecture blog, "Exponential Backoff
 * and Jitter"): half the delay is fixed, half random, so N mailboxes failing together (a server
 * restart) do not reconnect in lock-step, and no retry comes sooner than half the step.
 * `attempt` counts from 1.
 */
export function backoffDelay(
  attempt: number,
  s: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exp = s.initialDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30);
  const capped = Math.min(s.maxDelayMs, exp);
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** The deferred-retry wait after `attempts` tries: schedule[attempts-1], the last entry repeating. */
export function deferredDelay(attempts: number, schedule: readonly number[]): number {
  const i = Math.min(Math.max(attempts - 1, 0), schedule.length - 1);
  return schedule[i] ?? 60_000;
}
