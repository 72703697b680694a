import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('../src/', import.meta.url).pathname;

/** The static value imports (not `import type`) reachable from `entry`, as src-relative paths and bare specifiers. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const walk = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(
      /^\s*(?:import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm,
    )) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  walk(join(SRC, entry));
  return { files: [...files].map((f) => relative(SRC, f)).sort(), packages: [...packages].sort() };
}

describe('module graph', () => {
  it('the prepare worker loads the pure pipeline only: no state store, daemon, IMAP or API code', () => {
    // src/parallel/worker.ts runs parse, classify and bodies in every worker thread; each module it
    // imports is loaded (and its native addons opened) once per worker. The threading input it
    // builds is plain data (src/thread/thread.ts threadInputOf), not the threading steps.
    const { files, packages } = importGraph('parallel/worker.ts');
    expect(files).toContain('pipeline.ts');
    expect(files).toContain('parse/parse.ts');
    expect(
      files.filter((f) => /^(state|daemon|imap|api|commands)\//.test(f) || f === 'thread/steps.ts'),
    ).toEqual([]);
    expect(
      packages.filter((p) => ['better-sqlite3', 'pg', 'imapflow', 'undici', 'pino'].includes(p)),
    ).toEqual([]);
  });
});
