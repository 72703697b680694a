/**
 * The first wait and the cap of a capped exponential backoff. The two configuration sections that
 * have one spell the first wait differently (the daemon's `reconnect.initialDelayMs`, the API's
 * `retry.baseDelayMs`), so either name is accepted; they mean the same thing.
 */
export type BackoffSettings = { maxDelayMs: number } & ({ initialDelayMs: number } | { baseDelayMs: number });

/** Past this many doublings every valid configuration is at its cap; it keeps `2 ** n` finite. */
const MAX_DOUBLINGS = 30;

/**
 * Capped exponential backoff with "equal jitter" (AWS architecture blog, "Exponential Backoff and
 * Jitter"): half the step is fixed, so no retry comes sooner than half the step, and half is random,
 * so many clients failing at once (a server restart) do not come back in lock step. `attempt` is the
 * number of failures so far, counting from 1. Used for IMAP reconnects and API retries alike.
 */
export function backoffDelay(
  attempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const first = 'initialDelayMs' in settings ? settings.initialDelayMs : settings.baseDelayMs;
  const doublings = Math.min(Math.max(attempt - 1, 0), MAX_DOUBLINGS);
  const step = Math.min(settings.maxDelayMs, first * 2 ** doublings);
  return Math.round(step / 2 + random() * (step / 2));
}
