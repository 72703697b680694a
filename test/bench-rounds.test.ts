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
    ])!;
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
    ])!;
    expect(even.median.ratio).toBeCloseTo(1.3, 10);
    const one = summariseRounds([{ ours: run(4), baseline: run(5) }])!;
    expect(one.median.ratio).toBeCloseTo(1.25, 10);
    expect(summariseRounds([])).toBeUndefined();
  });

  it('leaves out a round in which either side failed: a crash is short, not fast', () => {
    const s = summariseRounds([
      { ours: { wallS: 0.4, exitCode: 1 }, baseline: { wallS: 12, exitCode: 0 } }, // 30x, a crash
      { ours: { wallS: 10, exitCode: 0 }, baseline: { wallS: 12, exitCode: 0 } }, // 1.2
      { ours: { wallS: 10, exitCode: 0 }, baseline: { wallS: 0.3, exitCode: null } }, // killed
      { ours: { wallS: 10, exitCode: 0 }, baseline: { wallS: 13, exitCode: 0 } }, // 1.3
    ])!;
    expect(s.rounds.map((r) => r.ok)).toEqual([false, true, false, true]);
    expect(s.median.ratio).toBeCloseTo(1.2, 10);
    expect(s.max).toBeCloseTo(1.3, 10);
    expect(
      summariseRounds([{ ours: { wallS: 1, exitCode: 2 }, baseline: { wallS: 9, exitCode: 0 } }]),
    ).toBeUndefined();
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
