import { workerData } from 'node:worker_threads';
import { adoptTerminal, type EngineData } from './core/engine-thread.js';

/**
 * The engine thread's entry (src/core/engine-thread.ts): the CLI itself, run on the worker's
 * `process.argv`, once the main thread's terminal facts are set on this thread's stderr.
 */
adoptTerminal(workerData as EngineData);
await import('./cli.js');
