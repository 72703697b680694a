import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runInEngineThread } from '../src/core/engine-thread.js';
import {
  ENGINE_YOUNG_GENERATION_MB,
  PARSE_WORKER_YOUNG_GENERATION_MB,
  youngGenerationLimits,
} from '../src/core/v8-batch.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'mail2ticket.js');
const FIXTURES = join(ROOT, 'fixtures');
const CORPUS = join(FIXTURES, 'bounce-corpus');
const dir = mkdtempSync(join(tmpdir(), 'm2t-engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A preload that reports, from every thread, whether it is the main thread and the young
 * generation it runs with (worker_threads.resourceLimits; 0 for the main thread), one JSON line per thread
 * to the file named by ENGINE_REPORT.
 */
const PRELOAD = join(dir, 'report-limits.mjs');
writeFileSync(
  PRELOAD,
  `import { appendFileSync } from 'node:fs';
import { isMainThread, resourceLimits } from 'node:worker_threads';
const young = isMainThread ? 0 : (resourceLimits.maxYoungGenerationSizeMb ?? 0);
appendFileSync(process.env.ENGINE_REPORT, JSON.stringify({ isMainThread, young, argv: process.argv.slice(2) }) + '\\n');
`,
);

function cli(args: string[], env: Record<string, string> = {}) {
  const report = join(dir, `report-${Math.random().toString(36).slice(2)}.ndjson`);
  const r = spawnSync(process.execPath, ['--import', PRELOAD, BIN, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ENGINE_REPORT: report, ...env },
  });
  const threads = readFileSync(report, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { isMainThread: boolean; young: number; argv: string[] });
  return { ...r, threads };
}

describe('the young generation of the threads a replay runs on', () => {
  it('is capped, unless the user sized it on the command line or in NODE_OPTIONS', () => {
    expect(youngGenerationLimits(12, { execArgv: [], nodeOptions: undefined })).toEqual({
      resourceLimits: { maxYoungGenerationSizeMb: 12 },
    });
    for (const env of [
      { execArgv: ['--max-semi-space-size=4'], nodeOptions: undefined },
      { execArgv: ['--max_semi_space_size', '4'], nodeOptions: undefined },
      { execArgv: [], nodeOptions: '--enable-source-maps --min-semi-space-size=2' },
    ])
      expect(youngGenerationLimits(12, env), JSON.stringify(env)).toEqual({});
    // other V8 flags are not the young generation's
    expect(
      youngGenerationLimits(8, { execArgv: ['--max-old-space-size=512'], nodeOptions: '--import tsx' }),
    ).toEqual({ resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  });

  it('replay runs in an engine thread with its cap, and its parse worker with its own', () => {
    const out = join(dir, 'engine.ndjson');
    const r = cli(['replay', '--dry-run', '--jobs', '2', '--out', out, CORPUS]);
    expect(r.stderr).toMatch(/mails: dry-run/);
    expect(r.status).toBe(0);
    const workers = r.threads.filter((t) => !t.isMainThread);
    // the engine runs the CLI on the command's own arguments; the parse worker has none
    expect(workers.find((t) => t.argv[0] === 'replay')?.young).toBe(ENGINE_YOUNG_GENERATION_MB);
    const parsers = workers.filter((t) => t.argv.length === 0);
    expect(parsers.length).toBeGreaterThan(0);
    for (const p of parsers) expect(p.young).toBe(PARSE_WORKER_YOUNG_GENERATION_MB);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBeGreaterThan(1);
  });

  it("leaves both to the user's own flag", () => {
    const r = cli(['replay', '--dry-run', '--jobs', '2', '--out', join(dir, 'own.ndjson'), CORPUS], {
      NODE_OPTIONS: '--max-semi-space-size=4',
    });
    expect(r.status).toBe(0);
    const workers = r.threads.filter((t) => !t.isMainThread);
    expect(workers.length).toBeGreaterThan(1);
    // no resourceLimits from us: the worker reports V8's own default, not our caps
    for (const w of workers)
      expect([ENGINE_YOUNG_GENERATION_MB, PARSE_WORKER_YOUNG_GENERATION_MB]).not.toContain(w.young);
  });

  it('gives the in-thread exit codes and one-line errors', () => {
    const usage = cli(['replay', '--bogus', FIXTURES]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe(
      "mail2ticket replay: Unknown option '--bogus'\nusage: mail2ticket replay [--dry-run] [--config FILE] [--out FILE] [--jobs N|auto] [--quiet] PATH...\n",
    );
    const missing = cli(['preview', join(dir, 'nowhere')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr.split('\n')[0]).toBe(
      `mail2ticket preview: no such file or directory: ${join(dir, 'nowhere')}`,
    );
    // the engine thread ran both
    expect(usage.threads.some((t) => !t.isMainThread && t.argv[0] === 'replay')).toBe(true);
    expect(missing.threads.some((t) => !t.isMainThread && t.argv[0] === 'preview')).toBe(true);
  });

  it('writes to stdout, through the main thread, what it writes to --out itself', () => {
    const out = join(dir, 'direct.ndjson');
    expect(cli(['replay', '--dry-run', '--out', out, CORPUS]).status).toBe(0);
    const viaStdout = cli(['replay', '--dry-run', CORPUS]);
    expect(viaStdout.status).toBe(0);
    const lines = viaStdout.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    expect(viaStdout.stdout).toBe(readFileSync(out, 'utf8'));
  });

  /** A stderr that records what is written to it, as a terminal of `columns` or as a pipe. */
  function fakeStderr(isTTY: boolean) {
    const written: string[] = [];
    const stream = {
      isTTY,
      columns: 77,
      write(chunk: string) {
        written.push(chunk);
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    return { stream, written };
  }

  function entryFile(name: string, code: string): URL {
    const file = join(dir, name);
    writeFileSync(file, code);
    return new URL(`file://${file}`);
  }

  it("hands the terminal's facts to the engine, which the progress line reads", async () => {
    const report = join(dir, 'tty.json');
    // adoptTerminal, as the real entry calls it first, then a report of what process.stderr says
    const entry = entryFile(
      'tty-entry.mjs',
      `import { writeFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { adoptTerminal } from ${JSON.stringify(join(ROOT, 'src', 'core', 'engine-thread.ts'))};
adoptTerminal(workerData);
writeFileSync(${JSON.stringify(report)}, JSON.stringify({ isTTY: process.stderr.isTTY ?? false, columns: process.stderr.columns ?? null, argv: process.argv.slice(2) }));
`,
    );
    for (const isTTY of [true, false]) {
      const { stream, written } = fakeStderr(isTTY);
      expect(await runInEngineThread(['replay', 'x'], { stream, entry })).toBe(0);
      expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual(
        isTTY
          ? { isTTY: true, columns: 77, argv: ['replay', 'x'] }
          : { isTTY: false, columns: null, argv: ['replay', 'x'] },
      );
      expect(written).toEqual([]);
    }
  });

  it('reports an engine that dies in one line, exit 1: an uncaught error, or out of memory', async () => {
    const thrown = fakeStderr(false);
    const code = await runInEngineThread(['replay'], {
      stream: thrown.stream,
      entry: entryFile('throws.mjs', "setTimeout(() => { throw new Error('the engine broke'); });\n"),
    });
    expect({ code, written: thrown.written }).toEqual({
      code: 1,
      written: ['mail2ticket: the engine broke\n'],
    });

    const oom = fakeStderr(false);
    const oomCode = await runInEngineThread(['replay'], {
      stream: oom.stream,
      entry: entryFile(
        'grows.mjs',
        'const keep = []; for (;;) keep.push(new Array(1e5).fill(keep.length));\n',
      ),
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
    });
    expect(oomCode).toBe(1);
    expect(oom.written.length).toBe(1);
    expect(oom.written[0]).toMatch(/^mail2ticket: .*out of memory.*\n$/i);
    expect(oom.written[0]!.split('\n').length).toBe(2);
  });
});
