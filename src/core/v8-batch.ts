import { setFlagsFromString } from 'node:v8';

/**
 * V8's interrupt budget for a batch run (replay, preview): how much bytecode a function runs before
 * V8 looks at it for optimisation. The default (66 KiB in Node 20's V8 11.3) optimises many
 * functions that stay lukewarm in a replay, and each optimisation is a TurboFan compile on a helper
 * thread: on the 2-core benchmark machine the compiles took about a quarter of the replay's CPU,
 * competing with the two threads that do the work (docs/benchmarks.md, "issue 15, sixth session").
 * Four times the default: in three batches of alternated runs of the default flags on the bench
 * corpus (15 pairs) CPU fell by 7 to 10 % and wall time by 5 to 7 %, the same NDJSON. The hot code
 * (parser, sanitizer, tokenizer) is still optimised, a little later.
 */
export const BATCH_INTERRUPT_BUDGET = 4 * 66 * 1024;

/**
 * The V8 the figures were measured on. V8 12 and later (Node 22, 24) tier up through Maglev first,
 * with budgets of their own, and size and collect their heaps differently: the flags are left at
 * their defaults there until measured.
 */
const MEASURED_V8_MAJOR = 11;

/** The node flags the user gave: the command line's and NODE_OPTIONS'. Tests hand in their own. */
export interface NodeFlagsEnv {
  execArgv: readonly string[];
  nodeOptions: string | undefined;
}

/** What the decision reads, so tests can hand in other engines and flags. */
export interface BatchTuningEnv extends NodeFlagsEnv {
  v8Version: string;
}

const PROCESS_FLAGS: NodeFlagsEnv = { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS };

/**
 * Whether the user set one of these V8 flags, either way: named with dashes, as V8 takes `_` for
 * `-` too, and a boolean one also as `--no-NAME`.
 */
function userSet(env: NodeFlagsEnv, ...names: string[]): boolean {
  const own = [...env.execArgv, ...(env.nodeOptions ?? '').split(/\s+/)];
  // the whole name: `--parallel-scavenge-task-trace` is not `--parallel-scavenge`
  const set = new RegExp(`^--(?:no[-_])?(?:${names.map((n) => n.replace(/-/g, '[-_]')).join('|')})(?:=|$)`);
  return own.some((a) => set.test(a));
}

/**
 * How far V8 lets a heap's old generation grow past what the last full collection found alive
 * before it collects again, in percent, for a batch run. V8 picks 10 to 300 % itself from its
 * collection speed, and with a heap limit of 2 GB or more (Node's default on a machine with 8 GB
 * of memory or more) it chose the top of that range for the thread that prepares the mails: its
 * old generation filled to about 4 times its 27-33 MiB of live objects between full collections,
 * most of the peak RSS's excess over 200 MiB (docs/benchmarks.md, "ninth session"). At 80 % each
 * full collection comes at 1.8 times the live size.
 *
 * Measured on the 2-core benchmark machine (tenth session, docs/benchmarks.md), rotated rounds on
 * the bench corpus with NO_PARALLEL_SCAVENGE and that session's dependency patches: 100 %, peak RSS
 * 193-204 MiB; 80 %, 182-193 MiB at +1.6 % wall time against 100 %; 60 %, 176-179 MiB at +3.7 %;
 * V8's own choice, 259-263 MiB. With the parallel scavenger off, 80 % is as fast as the previous
 * release was with V8's own choice (8 alternated pairs: 3.67 s against 3.71 s).
 */
export const BATCH_HEAP_GROWING_PERCENT = 80;

/**
 * Whether a batch run keeps V8's minor collections on the thread that allocates. V8 splits each
 * one across its helper threads; in a replay with workers every core already runs a thread of the
 * replay's own (`--jobs auto`: a parse worker per core but one, and the thread that prepares), so
 * the helpers only wait for a core and the collection waits for them. Measured (tenth session),
 * rotated rounds on the bench corpus: 3.39-3.40 s against 3.61 s wall (-4 to -6 %), and with one
 * worker (`--jobs 1`, where a core is free) no slower (4.91 s against 4.95 s).
 */
export const NO_PARALLEL_SCAVENGE = '--no-parallel-scavenge';

/**
 * The flags a batch run sets: none on another V8; each one only when the user did not set it (or
 * what implies it) themselves, on the `node` command line or in NODE_OPTIONS.
 */
export function batchV8Flags(env: BatchTuningEnv): string[] {
  if (Number.parseInt(env.v8Version, 10) !== MEASURED_V8_MAJOR) return [];
  const flags: string[] = [];
  if (!userSet(env, 'interrupt-budget')) flags.push(`--interrupt-budget=${BATCH_INTERRUPT_BUDGET}`);
  if (!userSet(env, 'parallel-scavenge', 'single-threaded-gc', 'single-threaded'))
    flags.push(NO_PARALLEL_SCAVENGE);
  if (!userSet(env, 'heap-growing-percent'))
    flags.push(`--heap-growing-percent=${BATCH_HEAP_GROWING_PERCENT}`);
  return flags;
}

/**
 * The young generation (V8's nursery: two semi-spaces and the new large-object space) of the
 * threads that do a replay's work. V8 sizes it per isolate when the isolate is created and grows a
 * busy one to 16 MiB semi-spaces, 32 MiB of resident memory per thread; a worker's can be capped
 * (`resourceLimits.maxYoungGenerationSizeMb`), the main thread's only by a flag on the `node`
 * command line. `--semi-space-growth-factor=1` set at run time is undone whenever a worker starts:
 * V8 11.3 raises it back to 2 when it configures the new isolate's heap (measured: the main thread
 * grew to 32 MiB again after `new Worker`), so the batch commands run in a worker of their own
 * (src/core/engine-thread.ts) whose limit is set below.
 *
 * Measured on the 2-core benchmark machine (ninth session, docs/benchmarks.md), 6 rotated rounds on
 * the bench corpus, default flags: the main thread's work in an engine thread at 12 MiB and the
 * parse worker at 8 MiB, peak RSS 259-262 MiB against 314-323 MiB, wall time +2.7 %; the engine
 * thread alone 293-297 MiB at the same wall time; 16 and 8, 277-288 MiB at +1 %.
 */
export const ENGINE_YOUNG_GENERATION_MB = 12;

/** The parse worker's young generation (src/parallel/pool.ts); see ENGINE_YOUNG_GENERATION_MB. */
export const PARSE_WORKER_YOUNG_GENERATION_MB = 8;

/**
 * A worker's `resourceLimits` for a young generation of `mb`, or none when the user sized V8's
 * young generation themselves (`node --max-semi-space-size=N` or NODE_OPTIONS): a worker without
 * resourceLimits takes the process's flags, and theirs win.
 */
export function youngGenerationLimits(
  mb: number,
  env: NodeFlagsEnv = PROCESS_FLAGS,
): { resourceLimits?: { maxYoungGenerationSizeMb: number } } {
  if (userSet(env, 'max-semi-space-size', 'min-semi-space-size')) return {};
  return { resourceLimits: { maxYoungGenerationSizeMb: mb } };
}

/**
 * Apply batchV8Flags to this process. Call before the pipeline's modules load: V8 flags are
 * process-wide, so worker threads started later share them: the CLI calls it on the main thread
 * only, before the engine thread starts (6 alternated pairs: the same CPU as calling it in both
 * threads, and 4 % less than not calling it).
 */
export function tuneV8ForBatch(): void {
  for (const flag of batchV8Flags({ v8Version: process.versions.v8, ...PROCESS_FLAGS })) {
    setFlagsFromString(flag);
  }
}
