/**
 * Regenerate fixtures/mail/*.expected.json from the current code. Review the result with
 * `git diff fixtures/` before committing: every changed line is a behaviour change.
 */
import { writeFileSync } from 'node:fs';
import { computeFixtureResults, expectationPath } from './fixture-expectations.js';

const results = await computeFixtureResults();
for (const [name, expectation] of results) {
  writeFileSync(expectationPath(name), `${JSON.stringify(expectation, null, 2)}\n`);
}
process.stderr.write(`wrote ${results.size} expectations\n`);
