/** The deferred-retry wait after `attempts` tries: schedule[attempts-1], the last entry repeating. */
export function deferredDelay(attempts: number, schedule: readonly number[]): number {
  const i = Math.min(Math.max(attempts - 1, 0), schedule.length - 1);
  return schedule[i] ?? 60_000;
}
