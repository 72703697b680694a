/**
 * Alternated rounds for the replay comparison. On the shared 2-core benchmark machine the host's
 * speed drifts by up to 2x within one run (docs/benchmarks.md, "fourth session": three runs of the
 * same build gave 1.20x, 1.26x and 1.36x), so one process per side compares two moments, not two
 * programs. Each round runs both sides back to back and gives one ratio; the order flips every
 * round (ours first, then the baseline first, ...) so a steady drift favours neither side; the
 * headline is the median round. Pure: bench/run.ts does the running.
 */

/** Rounds of (ours, baseline) by default; BENCH_ROUNDS overrides. */
export const DEFAULT_ROUNDS = 3;
/** More rounds than this would take longer than the rest of the benchmark together. */
export const MAX_ROUNDS = 15;

/** BENCH_ROUNDS, validated: a whole number from 1 to MAX_ROUNDS. */
export function parseRounds(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_ROUNDS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ROUNDS) {
    throw new Error(`BENCH_ROUNDS must be a whole number from 1 to ${MAX_ROUNDS}, got "${value}"`);
  }
  return n;
}

/** Whether round `i` (0-based) runs ours first: rounds alternate, starting with ours. */
export const oursFirst = (i: number): boolean => i % 2 === 0;

/** One measured process: its wall time, and its exit code (0, or undefined, when it succeeded). */
export interface RoundRun {
  wallS: number;
  exitCode?: number | null;
}

export interface Round<R> {
  ours: R;
  baseline: R;
  /** baseline wall time / ours wall time: above 1 means ours is faster. */
  ratio: number;
  /** Both sides exited with 0: only such rounds count (a crash's short wall time is no speed). */
  ok: boolean;
}

export interface RoundsSummary<R> {
  /** Every round, in the order run, failed ones included. */
  rounds: Round<R>[];
  /** The successful round whose ratio is the median (the lower middle one for an even count). */
  median: Round<R>;
  /** The lowest and highest ratio of the successful rounds. */
  min: number;
  max: number;
}

const succeeded = (r: RoundRun) => r.exitCode === undefined || r.exitCode === 0;

/** One round's ratio, and whether it counts. */
export function toRound<R extends RoundRun>(pair: { ours: R; baseline: R }): Round<R> {
  return {
    ...pair,
    ratio: pair.baseline.wallS / pair.ours.wallS,
    ok: succeeded(pair.ours) && succeeded(pair.baseline),
  };
}

/**
 * The median of the rounds in which both sides succeeded, with their range; undefined when no
 * round did (the bench then prints no ratio rather than a crash's).
 */
export function summariseRounds<R extends RoundRun>(
  pairs: readonly { ours: R; baseline: R }[],
): RoundsSummary<R> | undefined {
  const rounds = pairs.map(toRound);
  const sorted = rounds.filter((r) => r.ok).sort((a, b) => a.ratio - b.ratio);
  if (sorted.length === 0) return undefined;
  return {
    rounds,
    median: sorted[Math.floor((sorted.length - 1) / 2)]!,
    min: sorted[0]!.ratio,
    max: sorted[sorted.length - 1]!.ratio,
  };
}
