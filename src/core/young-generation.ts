/**
 * The young generation (V8's nursery: two semi-spaces and the new large-object space) of the
 * threads that do a replay's work. V8 sizes it per isolate when the isolate is created and grows a
 * busy one to 16 MiB semi-spaces, 32 MiB of resident memory per thread; a worker's can be capped
 * (`resourceLimits.maxYoungGenerationSizeMb`), the main thread's only by a flag on the `node`
 * command line. `--semi-space-growth-factor=1` set at run time is undone whenever a worker starts:
 * V8 11.3 raises it back to 2 when it configures the new isolate's heap (measured: the main thread
 * grew to 32 MiB again after `new Worker`), so the batch commands run in a worker of their own
 * (src/core/engine-thread.ts) whose limit is set here.
 *
 * Measured on the 2-core benchmark machine (ninth session, docs/benchmarks.md), 6 rotated rounds on
 * the bench corpus, default flags: the main thread's work in an engine thread at 12 MiB and the
 * parse worker at 8 MiB, peak RSS 259-262 MiB against 314-323 MiB, wall time +2.7 %; the engine
 * thread alone 293-297 MiB at the same wall time; 16 and 8, 277-288 MiB at +1 %.
 */
export const ENGINE_YOUNG_GENERATION_MB = 12;

/** The parse worker's young generation (src/parallel/pool.ts); see ENGINE_YOUNG_GENERATION_MB. */
export const PARSE_WORKER_YOUNG_GENERATION_MB = 8;

/** What the decision reads, so tests can hand in other flags. */
export interface YoungGenerationEnv {
  execArgv: readonly string[];
  nodeOptions: string | undefined;
}

/**
 * A worker's `resourceLimits` for a young generation of `mb`, or none when the user sized V8's
 * young generation themselves (`node --max-semi-space-size=N` or NODE_OPTIONS): a worker without
 * resourceLimits takes the process's flags, and theirs win.
 */
export function youngGenerationLimits(
  mb: number,
  env: YoungGenerationEnv = { execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS },
): { resourceLimits?: { maxYoungGenerationSizeMb: number } } {
  const own = [...env.execArgv, ...(env.nodeOptions ?? '').split(/\s+/)];
  if (own.some((a) => /^--(max|min)[-_]semi[-_]space[-_]size\b/.test(a))) return {};
  return { resourceLimits: { maxYoungGenerationSizeMb: mb } };
}
