import { workerData } from 'node:worker_threads';
import type { EngineData } from './core/engine-thread.js';

/**
 * The engine thread's entry (src/core/engine-thread.ts): the CLI itself, run on the worker's
 * `process.argv`. A worker's stderr is a pipe to the main thread, so the terminal's facts that the
 * progress line reads (src/commands/progress.ts) are handed over and set on it first.
 */
const { stderr } = workerData as EngineData;
if (stderr.isTTY) Object.assign(process.stderr, stderr);
await import('./cli.js');
