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
 * The V8 the figure was measured on. V8 12 and later (Node 22, 24) tier up through Maglev first,
 * with budgets of their own: the flag is left at its default there until measured.
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

/** Whether the user set one of these V8 flags (named with dashes; V8 takes `_` for `-` too). */
function userSet(env: NodeFlagsEnv, ...names: string[]): boolean {
  const own = [...env.execArgv, ...(env.nodeOptions ?? '').split(/\s+/)];
  const set = new RegExp(`^--(?:${names.map((n) => n.replace(/-/g, '[-_]')).join('|')})\\b`);
  return own.some((a) => set.test(a));
}

/**
 * The flags a batch run sets: none on another V8, or when the user set the interrupt budget
 * themselves (`node --interrupt-budget=N`, or NODE_OPTIONS).
 */
export function batchV8Flags(env: BatchTuningEnv): string[] {
  if (Number.parseInt(env.v8Version, 10) !== MEASURED_V8_MAJOR) return [];
  if (userSet(env, 'interrupt-budget')) return [];
  return [`--interrupt-budget=${BATCH_INTERRUPT_BUDGET}`];
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
