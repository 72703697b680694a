import type { ResourceLimits } from 'node:worker_threads';
import { describeError } from '../errors.js';
import { ownModule, startWorker } from './source-worker.js';
import { ENGINE_YOUNG_GENERATION_MB, youngGenerationLimits } from './v8-batch.js';

/** What the engine thread needs of the main thread's terminal (src/engine-entry.ts). */
export interface EngineData {
  stderr: { isTTY: boolean; columns?: number };
}

/**
 * In the engine thread: a worker's stderr is a pipe to the main thread, so the terminal's facts
 * that the progress line reads (src/commands/progress.ts) are set on it from `data`.
 */
export function adoptTerminal(data: EngineData, stderr: NodeJS.WriteStream = process.stderr): void {
  if (data.stderr.isTTY) Object.assign(stderr, data.stderr);
}

/**
 * Run a batch command (`replay`, `preview`: `argv` is its name and arguments) in a worker thread
 * whose young generation is ENGINE_YOUNG_GENERATION_MB, while this thread only waits: V8 lets a
 * running process size a worker's young generation but not its main thread's
 * (src/core/v8-batch.ts). The worker runs the CLI's own `main` (src/engine-entry.ts), so
 * the command, its output, its one-line errors and its exit code are those of the in-thread run;
 * its stdout and stderr reach this process's in order. Resolves with the exit code.
 */
export function runInEngineThread(
  argv: string[],
  {
    stream = process.stderr,
    entry,
    resourceLimits,
  }: {
    /** Where the terminal's facts come from, and where a dead engine's one line goes. */
    stream?: NodeJS.WriteStream;
    /** Tests: another entry than src/engine-entry.ts. */
    entry?: URL;
    /** Tests: other limits than the young generation's cap. */
    resourceLimits?: ResourceLimits;
  } = {},
): Promise<number> {
  const data: EngineData = {
    stderr: { isTTY: stream.isTTY === true, ...(stream.columns ? { columns: stream.columns } : {}) },
  };
  const worker = startWorker(entry ?? ownModule('../engine-entry', import.meta.url), {
    argv,
    workerData: data,
    ...(resourceLimits ? { resourceLimits } : youngGenerationLimits(ENGINE_YOUNG_GENERATION_MB)),
  });
  return new Promise((resolve) => {
    let failed: unknown;
    // An error the command did not catch itself (the CLI's `main` catches its own), or the
    // engine running out of memory (ERR_WORKER_OUT_OF_MEMORY): one line, exit 1.
    worker.on('error', (err) => {
      failed = err;
    });
    worker.on('exit', (code) => {
      if (failed !== undefined) {
        stream.write(`mail2ticket: ${describeError(failed)}\n`);
        resolve(1);
      } else resolve(code);
    });
  });
}
