import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Under the test runner (or `node --import tsx`) our modules are the .ts sources; built, dist/*.js. */
const RUNNING_SOURCES = import.meta.url.endsWith('.ts');

/** Our module at `path` (relative to `base`, without its extension), as this build runs it. */
export function ownModule(path: string, base: string): URL {
  return new URL(`${path}${RUNNING_SOURCES ? '.ts' : '.js'}`, base);
}

/**
 * A worker thread on `entry`. From the sources, tsx's loader is registered in the worker before the
 * entry loads: under `node --import tsx src/cli.ts`, a worker given `execArgv: ['--import', 'tsx']`
 * failed on a .ts entry ("Unknown file extension") in Node 20, its hooks not yet in place.
 */
export function startWorker(entry: URL, options: WorkerOptions): Worker {
  if (!RUNNING_SOURCES) return new Worker(entry, options);
  const api = import.meta.resolve?.('tsx/esm/api') ?? 'tsx/esm/api';
  const bootstrap = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
