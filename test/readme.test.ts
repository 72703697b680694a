import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { DEFAULT_LIMITS } from '../src/limits.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows exactly the two newcomer commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });

  it('has a configuration example that the config schema accepts', () => {
    const section = readme.slice(readme.indexOf('## Configuration'));
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(json).toBeDefined();
    const config = parseConfig(JSON.parse(json!));
    expect(config.api?.onUnmatched).toBe('defer');
    expect(config.mapping.extraHeaders).toEqual(['X-Customer-Id']);
  });

  it('documents every limit', () => {
    for (const name of Object.keys(DEFAULT_LIMITS)) expect(readme, name).toContain(`\`${name}\``);
  });
});
