import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUNDS, MAX_ROUNDS, oursFirst, parseRounds, summariseRounds } from '../bench/rounds.js';

/** The benchmark's alternated rounds (bench/rounds.ts): the headline ratio is the median round. */
describe('bench rounds', () => {
  const run = (wallS: number) => ({ wallS });

  it('takes the median round, not the mean, and reports the range', () => {
    // A host that slowed down for the middle round: that round's ratio is an outlier.
    const s = summariseRounds([
      { ours: run(10), baseline: run(15) }, // 1.5
      { ours: run(20), baseline: run(12) }, // 0.6
      { ours: run(9), baseline: run(12.6) }, // 1.4
    ]);
    expect(s.rounds.map((r) => r.ratio)).toEqual([1.5, 0.6, 1.4]);
    expect(s.median.ratio).toBeCloseTo(1.4, 10);
    expect(s.median.ours.wallS).toBe(9);
    expect(s.min).toBeCloseTo(0.6, 10);
    expect(s.max).toBeCloseTo(1.5, 10);
  });

  it('takes the lower middle round for an even count, and the only one for one', () => {
    const even = summariseRounds([
      { ours: run(10), baseline: run(20) },
      { ours: run(10), baseline: run(11) },
      { ours: run(10), baseline: run(13) },
      { ours: run(10), baseline: run(15) },
    ]);
    expect(even.median.ratio).toBeCloseTo(1.3, 10);
    const one = summariseRounds([{ ours: run(4), baseline: run(5) }]);
    expect(one.median.ratio).toBeCloseTo(1.25, 10);
    expect(() => summariseRounds([])).toThrow(/no rounds/);
  });

  it('alternates which side runs first, ours first in the first round', () => {
    expect([0, 1, 2, 3].map(oursFirst)).toEqual([true, false, true, false]);
  });

  it('validates BENCH_ROUNDS with a one-line error', () => {
    expect(parseRounds(undefined)).toBe(DEFAULT_ROUNDS);
    expect(parseRounds('')).toBe(DEFAULT_ROUNDS);
    expect(parseRounds('5')).toBe(5);
    expect(parseRounds(String(MAX_ROUNDS))).toBe(MAX_ROUNDS);
    for (const bad of ['0', '-1', '2.5', 'three', String(MAX_ROUNDS + 1)]) {
      expect(() => parseRounds(bad)).toThrow(
        `BENCH_ROUNDS must be a whole number from 1 to ${MAX_ROUNDS}, got "${bad}"`,
      );
    }
  });
});
