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

/** What the decision reads, so tests can hand in other engines and flags. */
export interface BatchTuningEnv {
  v8Version: string;
  execArgv: readonly string[];
  nodeOptions: string | undefined;
}

/**
 * The flags a batch run sets: none on another V8, or when the user set the interrupt budget
 * themselves (`node --interrupt-budget=N`, or NODE_OPTIONS).
 */
export function batchV8Flags(env: BatchTuningEnv): string[] {
  if (Number.parseInt(env.v8Version, 10) !== MEASURED_V8_MAJOR) return [];
  const own = [...env.execArgv, ...(env.nodeOptions ?? '').split(/\s+/)];
  if (own.some((a) => /^--interrupt[-_]budget\b/.test(a))) return [];
  return [`--interrupt-budget=${BATCH_INTERRUPT_BUDGET}`];
}

/**
 * Apply batchV8Flags to this process. Call before the pipeline's modules load: V8 flags are
 * process-wide, so worker threads started later share them.
 */
export function tuneV8ForBatch(): void {
  for (const flag of batchV8Flags({
    v8Version: process.versions.v8,
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
  })) {
    setFlagsFromString(flag);
  }
}
