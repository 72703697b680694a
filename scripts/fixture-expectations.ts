import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { buildContext } from '../src/commands/context.js';
import { parseConfig } from '../src/config.js';
import { type MailResult, processMail } from '../src/pipeline.js';
import { readSources } from '../src/sources/index.js';

export const FIXTURE_DIR = new URL('../fixtures/mail/', import.meta.url).pathname;

/** What each fixture's *.expected.json holds: the payload and decision of a dry run. */
export interface Expectation {
  outcome: MailResult['outcome'];
  payload?: MailResult['payload'];
  decision?: MailResult['decision'];
  error?: MailResult['error'];
}

/**
 * Dry-run replay of fixtures/mail in sorted order with default configuration and an empty,
 * throw-away state directory, so the result depends on nothing but the fixtures and the code.
 */
export async function computeFixtureResults(): Promise<Map<string, Expectation>> {
  const stateDir = mkdtempSync(join(tmpdir(), 'm2t-fixtures-'));
  const ctx = await buildContext(parseConfig({ stateDir }), { dryRun: true });
  const results = new Map<string, Expectation>();
  try {
    for await (const input of readSources([FIXTURE_DIR])) {
      const r = await processMail(input, ctx.pipeline);
      const { source: _source, ...rest } = r;
      results.set(basename(input.source), rest);
    }
  } finally {
    await ctx.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  return results;
}

export function expectationPath(emlName: string): string {
  return join(FIXTURE_DIR, emlName.replace(/\.eml$/, '.expected.json'));
}
