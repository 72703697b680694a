/**
 * `npm run bench`: throughput, memory and latency of mail2ticket, beside the baseline a developer
 * would write first, on the same generated corpus in the same run. See docs/benchmarks.md.
 *
 * Environment:
 *   BENCH_MAILS          corpus size (default 2000; big-attachment mails included)
 *   BENCH_SEED           corpus seed (default mail2ticket-bench-v1)
 *   BENCH_ROUNDS         alternated rounds of (ours, baseline) for the replay ratio (default 3)
 *   BENCH_LIVE_MAILS     live backlog size (default 2000); BENCH_LATENCY_MAILS (default 200)
 *   BENCH_DRAIN_MAILS    live drain (replay, sandbox at 50 ms per request) size (default 200)
 *   BENCH_DRAIN_SANDBOX  `inprocess`: the drain's sandbox in the bench process (default: its own)
 *   BENCH_SKIP_LIVE=1    skip the live figures;  BENCH_SKIP_STAGES=1 skip the per-stage pass
 *   BENCH_SCALE_MAILS    scale-out backlog (default 240; PostgreSQL, 1/2/3 instances, takeover)
 *   BENCH_SKIP_SCALE=1   skip the scale-out figures (bench/scale-out.ts)
 *   BENCH_JSON=FILE      also write every figure as JSON;  BENCH_KEEP=1 keep the temp directory
 *   BENCH_BEFORE=FILE    an earlier run's BENCH_JSON: per-stage figures printed before/after
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAILS, DEFAULT_SEED, generateCorpus, MIB } from './corpus.js';
import { type DrainResult, formatDrain, formatLive, type LiveResult, runLive, runLiveDrain } from './live.js';
import { formatScaleOut, runScaleOut, type ScaleOutResult } from './scale-out.js';
import { oursFirst, parseRounds, type Round, summariseRounds, toRound } from './rounds.js';
import { BASELINE_STAGES, STAGES, type StagesReport } from './stages.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'mail2ticket.js');
const PRELOAD = join(ROOT, 'bench', 'rss-preload.mjs');
const BASELINE = join(ROOT, 'bench', 'baseline.mjs');

/** The issues' targets (issue 8; issue 15: at least 1.5x with the default flags, 2.5x stretch). */
export const TARGETS = {
  minThroughputRatio: 1.5,
  throughputRatio: 2.5,
  corpusRssMiB: 200,
  aloneRssMiB: 130,
  latencyP99Ms: 500,
} as const;

interface ChildRun {
  label: string;
  wallS: number;
  maxRssBytes: number;
  cpuS: number;
  exitCode: number | null;
  stderr: string;
}

/** Run one measured process: fresh heap, peak RSS and CPU from the preload, wall time from here. */
async function measure(label: string, args: string[], statsDir: string): Promise<ChildRun> {
  const statsFile = join(statsDir, `${label.replace(/\W+/g, '-')}.json`);
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--import', PRELOAD, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BENCH_STATS_FILE: statsFile },
  });
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exitCode = await new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const wallS = (performance.now() - t0) / 1000;
  let stats = { maxRssBytes: Number.NaN, userCpuMs: Number.NaN, systemCpuMs: Number.NaN };
  try {
    stats = JSON.parse(readFileSync(statsFile, 'utf8'));
  } catch {
    // The child died before its exit hook: the figures stay NaN and the run is reported failed.
  }
  return {
    label,
    wallS,
    maxRssBytes: stats.maxRssBytes,
    cpuS: (stats.userCpuMs + stats.systemCpuMs) / 1000,
    exitCode,
    stderr,
  };
}

async function runJson<T>(args: string[]): Promise<T> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return JSON.parse(out) as T;
}

const mib = (b: number) => b / MIB;
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

function line(r: ChildRun, mails: number): string {
  const failed = r.exitCode === 0 ? '' : `  (exit ${r.exitCode}: ${r.stderr.trim().split('\n').pop()})`;
  return `${r.label.padEnd(34)} ${f1(mails / r.wallS).padStart(7)} mails/s  ${f1(r.wallS).padStart(6)} s wall  ${f1(r.cpuS).padStart(6)} s CPU  ${f1(mails / r.cpuS).padStart(6)} mails/CPU-s  peak RSS ${f0(mib(r.maxRssBytes)).padStart(4)} MiB${failed}`;
}

function stagesTable(r: StagesReport): string[] {
  const rows: string[] = [];
  const per = (us: number) => f0(us / r.mails).padStart(7);
  const oursTotal = STAGES.reduce((s, k) => s + r.ours[k].cpuUs, 0);
  rows.push(
    `per-stage cost over ${r.mails} mails, CPU µs per mail (wall µs), share; threading: ${r.threading}`,
  );
  for (const k of STAGES) {
    const t = r.ours[k];
    rows.push(
      `  ours      ${k.padEnd(13)} ${per(t.cpuUs)} µs (${per(t.wallUs)})  ${f0((100 * t.cpuUs) / oursTotal).padStart(3)}%  ran for ${t.calls} mails`,
    );
  }
  rows.push(`  ours      ${'total'.padEnd(13)} ${per(oursTotal)} µs`);
  const baseTotal = BASELINE_STAGES.reduce((s, k) => s + r.baseline[k].cpuUs, 0);
  for (const k of BASELINE_STAGES) {
    const t = r.baseline[k];
    rows.push(
      `  baseline  ${k.padEnd(13)} ${per(t.cpuUs)} µs (${per(t.wallUs)})  ${f0((100 * t.cpuUs) / baseTotal).padStart(3)}%  ran for ${t.calls} mails`,
    );
  }
  rows.push(`  baseline  ${'total'.padEnd(13)} ${per(baseTotal)} µs`);
  return rows;
}

/**
 * Per-stage µs per mail from an earlier run (BENCH_BEFORE=FILE, that run's BENCH_JSON) beside this
 * run's. Absolute µs move with the machine's load, so each stage is also given as a share of the
 * baseline's total measured in the same run, which two runs on a shared machine can compare.
 */
function beforeAfterTable(before: StagesReport, after: StagesReport): string[] {
  const baseTotal = (r: StagesReport) =>
    BASELINE_STAGES.reduce((s, k) => s + r.baseline[k].cpuUs, 0) / r.mails;
  const rows = [
    `per-stage before (${process.env.BENCH_BEFORE}) and after, CPU µs per mail and as % of the same run's baseline total`,
  ];
  let tb = 0;
  let ta = 0;
  for (const k of STAGES) {
    const b = before.ours[k].cpuUs / before.mails;
    const a = after.ours[k].cpuUs / after.mails;
    tb += b;
    ta += a;
    rows.push(
      `  ${k.padEnd(13)} before ${f0(b).padStart(6)} µs (${f0((100 * b) / baseTotal(before)).padStart(3)}%)   after ${f0(a).padStart(6)} µs (${f0((100 * a) / baseTotal(after)).padStart(3)}%)`,
    );
  }
  rows.push(
    `  ${'total'.padEnd(13)} before ${f0(tb).padStart(6)} µs (${f0((100 * tb) / baseTotal(before)).padStart(3)}%)   after ${f0(ta).padStart(6)} µs (${f0((100 * ta) / baseTotal(after)).padStart(3)}%)`,
  );
  return rows;
}

async function cliSupportsJobs(sample: string): Promise<boolean> {
  const proc = spawn(
    process.execPath,
    [CLI, 'replay', '--jobs', '1', '--dry-run', '--out', '/dev/null', sample],
    {
      stdio: 'ignore',
    },
  );
  return (await new Promise<number | null>((resolve) => proc.on('exit', resolve))) === 0;
}

async function main(rounds: number): Promise<void> {
  const mails = Number(process.env.BENCH_MAILS ?? DEFAULT_MAILS);
  const seed = process.env.BENCH_SEED ?? DEFAULT_SEED;
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const work = mkdtempSync(join(tmpdir(), 'm2t-bench-'));
  const results: Record<string, unknown> = {};
  try {
    out(
      `mail2ticket benchmark: node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model.trim()}), load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const g0 = performance.now();
    const corpus = await generateCorpus({ dir: join(work, 'corpus'), mails, seed });
    const kinds = Object.entries(corpus.kinds)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    out(
      `corpus: ${corpus.mails} mails, ${f0(mib(corpus.bytes))} MiB, seed "${seed}", generated in ${f1((performance.now() - g0) / 1000)} s`,
    );
    out(`  ${kinds}`);
    results.corpus = corpus;
    const statsDir = join(work, 'stats');
    mkdirSync(statsDir);

    // Replay throughput and peak RSS: ours and the baseline, each in a fresh process.
    out();
    out('replay of the whole corpus (each side in its own process; NDJSON to /dev/null):');
    const jobs = await cliSupportsJobs(join(corpus.mailDir, '000000.eml'));
    // Alternated rounds of (ours with the default flags, the baseline), see bench/rounds.ts; then
    // both explicit settings once each, against the median round's baseline. The default is
    // `--jobs auto` where the CLI has it: in-process, or a worker per core when the replay is long
    // and a core is idle, so what it chose depends on the machine's load in that round.
    const played: Round<ChildRun>[] = [];
    const measured = async (label: string, args: string[]) => {
      const r = await measure(label, args, statsDir);
      out(line(r, mails));
      return r;
    };
    for (let i = 0; i < rounds; i++) {
      const runOurs = () =>
        measured(`ours: replay --dry-run (default) #${i + 1}`, [
          CLI,
          'replay',
          '--dry-run',
          '--out',
          '/dev/null',
          corpus.mailDir,
        ]);
      const runBase = () =>
        measured(`baseline: simpleParser+sanitize #${i + 1}`, [
          BASELINE,
          '--out',
          '/dev/null',
          corpus.mailDir,
        ]);
      let ours = oursFirst(i) ? await runOurs() : undefined;
      const baseline = await runBase();
      ours ??= await runOurs();
      const round = toRound({ ours, baseline });
      played.push(round);
      out(
        round.ok
          ? `  round ${i + 1}: baseline wall / ours wall ${round.ratio.toFixed(2)}x`
          : `  round ${i + 1}: not counted, a run failed`,
      );
    }
    const summary = summariseRounds(played);
    // With no successful round the figures below come from the first one and print as failed.
    const ours = summary?.median.ours ?? played[0]!.ours;
    const base = summary?.median.baseline ?? played[0]!.baseline;
    const oursPeakRss = Math.max(...played.map((p) => p.ours.maxRssBytes));
    const oursOne = jobs
      ? await measure(
          'ours: replay --dry-run --jobs 1',
          [CLI, 'replay', '--dry-run', '--jobs', '1', '--out', '/dev/null', corpus.mailDir],
          statsDir,
        )
      : undefined;
    if (oursOne) out(line(oursOne, mails));
    const oursPar = jobs
      ? await measure(
          'ours: replay --dry-run --jobs 2',
          [CLI, 'replay', '--dry-run', '--jobs', '2', '--out', '/dev/null', corpus.mailDir],
          statsDir,
        )
      : undefined;
    if (oursPar) out(line(oursPar, mails));
    const ratio = summary?.median.ratio ?? Number.NaN;
    const counted = summary?.rounds.filter((r) => r.ok).length ?? 0;
    const spread = summary
      ? `${summary.min.toFixed(2)}x to ${summary.max.toFixed(2)}x`
      : 'no round without a failed run';
    const oneRatio = oursOne ? base.wallS / oursOne.wallS : Number.NaN;
    const parRatio = oursPar ? base.wallS / oursPar.wallS : Number.NaN;
    const cpuRatio = base.cpuS / ours.cpuS;
    out(
      `throughput ratio ours/baseline: default flags ${f2(ratio)}x, the median of ${counted} of ${rounds} alternated round(s) (${spread}) (target >= ${TARGETS.minThroughputRatio}x: ${mark(ratio >= TARGETS.minThroughputRatio)}; stretch ${TARGETS.throughputRatio}x: ${mark(ratio >= TARGETS.throughputRatio)}), --jobs 1 ${f1(oneRatio)}x, --jobs 2 ${f1(parRatio)}x; baseline CPU / ours CPU ${cpuRatio.toFixed(2)}x`,
    );
    out(
      `peak RSS, whole corpus: ours ${f0(mib(oursPeakRss))} MiB, the highest of ${rounds} round(s)${oursOne ? ` (--jobs 1: ${f0(mib(oursOne.maxRssBytes))} MiB)` : ''}${oursPar ? ` (--jobs 2: ${f0(mib(oursPar.maxRssBytes))} MiB)` : ''} (target <= ${TARGETS.corpusRssMiB} MiB: ${mark(mib(oursPeakRss) <= TARGETS.corpusRssMiB)}), baseline ${f0(mib(base.maxRssBytes))} MiB`,
    );
    results.replay = {
      rounds: played,
      ours,
      oursJobs1: oursOne,
      oursJobs2: oursPar,
      baseline: base,
      ratio,
      oneRatio,
      parRatio,
      cpuRatio,
    };

    if (corpus.aloneDir) {
      out();
      out('the 50 MB-attachment mail alone:');
      const alone = await measure(
        'ours: 50 MB mail alone',
        [CLI, 'replay', '--dry-run', '--out', '/dev/null', corpus.aloneDir],
        statsDir,
      );
      out(line(alone, 1));
      const aloneBase = await measure(
        'baseline: 50 MB mail alone',
        [BASELINE, '--out', '/dev/null', corpus.aloneDir],
        statsDir,
      );
      out(line(aloneBase, 1));
      out(
        `peak RSS, 50 MB mail alone: ours ${f0(mib(alone.maxRssBytes))} MiB (target < ${TARGETS.aloneRssMiB} MiB: ${mark(mib(alone.maxRssBytes) < TARGETS.aloneRssMiB)}), baseline ${f0(mib(aloneBase.maxRssBytes))} MiB`,
      );
      results.alone = { ours: alone, baseline: aloneBase };
    }

    if (!process.env.BENCH_SKIP_STAGES) {
      out();
      const stages = await runJson<StagesReport>([
        '--import',
        'tsx',
        join(ROOT, 'bench', 'stages.ts'),
        corpus.mailDir,
      ]);
      for (const r of stagesTable(stages)) out(r);
      results.stages = stages;
      const beforeFile = process.env.BENCH_BEFORE;
      if (beforeFile) {
        const before = (JSON.parse(readFileSync(beforeFile, 'utf8')) as { stages?: StagesReport }).stages;
        if (before) for (const r of beforeAfterTable(before, stages)) out(r);
      }
    }

    out();
    let live: LiveResult;
    if (process.env.BENCH_SKIP_LIVE) live = { available: false, reason: 'skipped (BENCH_SKIP_LIVE)' };
    else {
      live = await runLive({
        backlogMails: Number(process.env.BENCH_LIVE_MAILS ?? 2000),
        latencyMails: Number(process.env.BENCH_LATENCY_MAILS ?? 200),
        log: (l) => process.stderr.write(`${l}\n`),
      });
    }
    out(formatLive(live));
    if (live.available)
      out(
        `arrival latency p99 target < ${TARGETS.latencyP99Ms} ms: ${mark(live.latency.p99Ms < TARGETS.latencyP99Ms)}`,
      );
    results.live = live;
    out();
    let drain: DrainResult;
    if (process.env.BENCH_SKIP_LIVE) drain = { available: false, reason: 'skipped (BENCH_SKIP_LIVE)' };
    else {
      drain = await runLiveDrain({
        mails: Number(process.env.BENCH_DRAIN_MAILS ?? 200),
        log: (l) => process.stderr.write(`${l}\n`),
        ...(process.env.BENCH_DRAIN_SANDBOX === 'inprocess' ? { sandbox: 'inprocess' as const } : {}),
      });
    }
    out(formatDrain(drain));
    results.liveDrain = drain;
    out();
    let scale: ScaleOutResult;
    if (process.env.BENCH_SKIP_LIVE || process.env.BENCH_SKIP_SCALE)
      scale = { available: false, reason: 'skipped (BENCH_SKIP_LIVE or BENCH_SKIP_SCALE)' };
    else {
      scale = await runScaleOut({
        mails: Number(process.env.BENCH_SCALE_MAILS ?? 240),
        kills: Number(process.env.BENCH_SCALE_KILLS ?? 5),
        log: (l) => process.stderr.write(`${l}\n`),
      });
    }
    out(formatScaleOut(scale));
    results.scaleOut = scale;
    out();
    out(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (figures from a loaded machine are low; compare within one run)`,
    );
    if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
  } finally {
    if (process.env.BENCH_KEEP) process.stderr.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

let rounds: number;
try {
  rounds = parseRounds(process.env.BENCH_ROUNDS);
} catch (err) {
  process.stderr.write(`npm run bench: ${(err as Error).message}\n`);
  process.exit(2);
}
await main(rounds);
