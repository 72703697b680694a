import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { classifyBlock, extractBlocks } from './helpers/doc-examples.js';

/**
 * The README's static promises. That its examples run as written (config used against the sandbox,
 * shell lines executed) is test/doc-examples.test.ts.
 */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = extractBlocks('README.md', readme);

describe('README', () => {
  it('shows exactly the two newcomer commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });

  it('has a configuration example that the config schema accepts', () => {
    const config = blocks.filter((b) => b.heading === 'Configuration' && classifyBlock(b) === 'config');
    expect(config.map((b) => b.where)).toHaveLength(1);
    const parsed = parseConfig(JSON.parse(config[0]!.text));
    expect(parsed.api?.onUnmatched).toBe('defer');
    expect(parsed.api?.baseUrl).toBe('https://sod.superoffice.com/Cust12345/api');
    expect(parsed.mapping.extraHeaders).toEqual(['X-Customer-Id']);
  });

  it('documents every limit', () => {
    for (const name of Object.keys(DEFAULT_LIMITS)) expect(readme, name).toContain(`\`${name}\``);
  });

  it('documents every sandbox option in the CLI reference', () => {
    for (const opt of ['--port', '--host', '--tenant', '--config', '--seed'])
      expect(readme.slice(readme.indexOf('### `sandbox`')), opt).toContain(`\`${opt}`);
  });
});
