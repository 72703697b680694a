import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MappedPayloadSchema } from '../src/schema/entity.js';
import { computeFixtureResults, type Expectation, expectationPath } from '../scripts/fixture-expectations.js';

let results: Map<string, Expectation>;
beforeAll(async () => {
  results = await computeFixtureResults();
});

describe('fixture mails', () => {
  it('has at least 40 sample mails, each with its expectation', () => {
    expect(results.size).toBeGreaterThanOrEqual(40);
    const missing = [...results.keys()].filter((name) => !existsSync(expectationPath(name)));
    expect(missing, 'run `npm run fixtures:update` and review the diff').toEqual([]);
  });

  it('maps every fixture to a valid payload (none quarantined)', () => {
    expect(results.size).toBeGreaterThanOrEqual(40); // the loop below must not run zero times
    for (const [name, r] of results) {
      expect(r.outcome, name).toBe('dry-run');
      expect(MappedPayloadSchema.safeParse(r.payload).success, name).toBe(true);
    }
  });

  it('matches the reviewed expectations', () => {
    expect(results.size).toBeGreaterThanOrEqual(40);
    for (const [name, r] of results) {
      const expected = JSON.parse(readFileSync(expectationPath(name), 'utf8'));
      expect(JSON.parse(JSON.stringify(r)), name).toEqual(expected);
    }
  });
});
