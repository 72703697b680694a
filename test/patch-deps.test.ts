import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without declarations
import { applyPatches, PATCHES } from '../scripts/patch-deps.mjs';

/**
 * scripts/patch-deps.mjs (issue 15): the install-time patch of mailsplit's newline scan is applied
 * in this checkout (so the benchmark measures it), exactly once, and only where its target text is.
 * That parsing is unchanged with it is what the fixture and corpus suites check on every mail.
 */
interface Patch {
  file: string;
  marker: string;
  from: string;
}
const patches = PATCHES as Patch[];
const ROOT = new URL('..', import.meta.url).pathname;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('install-time dependency patches', () => {
  it('are applied in this checkout (npm ci ran the postinstall)', () => {
    for (const p of patches) expect(readFileSync(join(ROOT, p.file), 'utf8')).toContain(p.marker);
  });

  it('apply once, recognise themselves, and skip code that is not exactly what they patch', () => {
    dir = mkdtempSync(join(tmpdir(), 'm2t-patch-'));
    const p = patches[0]!;
    const file = join(dir, p.file);
    mkdirSync(dirname(file), { recursive: true });
    const original = `function f(chunk, i) {\n${p.from}\n}\n`;
    writeFileSync(file, original);
    expect(applyPatches(dir)[0]).toMatch(/^applied: /);
    const patched = readFileSync(file, 'utf8');
    expect(patched).toContain(p.marker);
    expect(patched).toContain('chunk.indexOf(0x0a, i)');
    expect(applyPatches(dir)[0]).toMatch(/^already applied: /);
    expect(readFileSync(file, 'utf8')).toBe(patched);
    writeFileSync(file, 'function f() { /* another version */ }\n');
    expect(applyPatches(dir)[0]).toMatch(/^skipped .*not there exactly once/);
    rmSync(file);
    expect(applyPatches(dir)[0]).toMatch(/^skipped .*not found/);
  });
});
