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
  /** What no prepare worker may load: state stores, the daemon, IMAP, the API client, the CLI. */
  function worldOf({ files, packages }: { files: string[]; packages: string[] }) {
    return [
      ...files.filter((f) => /^(state|daemon|imap|api|commands)\//.test(f) || f === 'thread/steps.ts'),
      ...packages.filter((p) => ['better-sqlite3', 'pg', 'imapflow', 'undici', 'pino'].includes(p)),
    ];
  }

  it('the prepare worker loads the parser only, and the pure pipeline at its first whole-mail job', () => {
    // src/parallel/worker.ts parses in every worker thread; each module it imports is loaded (and
    // its native addons opened) once per worker. `--jobs auto` with one worker only parses: the
    // stages the main thread runs (bodies, reply, mapping) cost the worker about 100 ms of CPU to
    // load (issue 15, eighth session), so worker.ts imports them (pipeline.ts, classify) dynamically.
    const parsing = importGraph('parallel/worker.ts');
    expect(parsing.files).toContain('parse-stage.ts');
    expect(parsing.files).toContain('parse/parse.ts');
    for (const stage of [
      'pipeline.ts',
      'classify/index.ts',
      'map/map.ts',
      'body/sanitize.ts',
      'reply/index.ts',
    ])
      expect(parsing.files, stage).not.toContain(stage);
    expect(worldOf(parsing)).toEqual([]);
    // nor the config schemas: zod is 95 modules to load (src/limits-schema.ts, attachments/config-schema.ts)
    expect(parsing.packages).not.toContain('zod');
    // what a whole-mail job loads: the walk from pipeline.ts finds the stages, so the check above
    // is not blind; the threading input it builds is plain data (src/thread/thread.ts threadInputOf),
    // not the threading steps
    const whole = importGraph('pipeline.ts');
    for (const stage of ['parse-stage.ts', 'map/map.ts', 'body/sanitize.ts', 'reply/index.ts'])
      expect(whole.files, stage).toContain(stage);
    expect(worldOf(whole)).toEqual([]);
    expect(worldOf(importGraph('classify/index.ts'))).toEqual([]);
  });
});
