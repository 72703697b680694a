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
  hunks?: { from: string; to: string }[];
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

  it('apply a patch of several hunks whole or not at all', () => {
    dir = mkdtempSync(join(tmpdir(), 'm2t-patch-'));
    const index = patches.findIndex((p) => p.marker === 'mail2ticket patch: flatten');
    const p = patches[index]!;
    expect(p.hunks).toHaveLength(2);
    const file = join(dir, p.file);
    mkdirSync(dirname(file), { recursive: true });
    const [first, second] = p.hunks!;
    // only the first hunk's target: nothing is written
    const partial = `function sanitizeHtml() {\n${first!.from}}\n`;
    writeFileSync(file, partial);
    expect(applyPatches(dir)[index]).toMatch(/^skipped .*not there exactly once/);
    expect(readFileSync(file, 'utf8')).toBe(partial);
    // both: both are applied, in place
    writeFileSync(
      file,
      `function sanitizeHtml() {\n${first!.from}  function onclosetag() {\n${second!.from}  }\n}\n`,
    );
    expect(applyPatches(dir)[index]).toMatch(/^applied: /);
    const patched = readFileSync(file, 'utf8');
    expect(patched).toContain(first!.to);
    expect(patched).toContain(second!.to);
    expect(applyPatches(dir)[index]).toMatch(/^already applied: /);
  });
});
