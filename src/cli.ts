import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { describeError } from './errors.js';

const USAGE = `mail2ticket: turn incoming email into SuperOffice Service ticket messages

usage:
  mail2ticket replay [--dry-run] [--config FILE] [--out FILE] [--jobs N|auto] [--quiet] PATH...
  mail2ticket preview [--config FILE] [--out FILE] PATH...
  mail2ticket run --config FILE [--log-level LEVEL]
  mail2ticket quarantine list|show ID|retry ID...|retry --all|drop ID [--yes] --config FILE
  mail2ticket status --config FILE [--json]
  mail2ticket sandbox [--port N] [--host ADDR] [--tenant NAME] [--config FILE] [--seed PATH...]
  mail2ticket config check [--no-connect] FILE
  mail2ticket demo
  mail2ticket --version | --help
`;

type Command = (argv: string[]) => Promise<number>;

/** The commands that open the SQLite state: the native module is checked before anything starts. */
const NEEDS_SQLITE = new Set(['replay', 'preview', 'run', 'quarantine', 'status', 'demo']);

/** `run`'s start-up checks (native module, stateDir, secrets, port): one line on failure, exit 1. */
async function runPreflight(argv: string[]): Promise<number | undefined> {
  const i = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  const path = i < 0 ? undefined : argv[i]!.includes('=') ? argv[i]!.slice(9) : argv[i + 1];
  if (!path) return undefined; // runCommand reports the usage error
  const { loadConfigFile } = await import('./config.js');
  let config: Awaited<ReturnType<typeof loadConfigFile>>;
  try {
    config = loadConfigFile(path);
  } catch {
    return undefined; // runCommand reports the config error, with its own wording
  }
  try {
    await (await import('./startup.js')).checkDaemonStartup(config);
  } catch (err) {
    process.stderr.write(`mail2ticket run: ${describeError(err)}\n`);
    return 1;
  }
  return undefined;
}

/**
 * The batch commands: V8 is tuned for them (src/core/v8-batch.ts) and they run in an engine thread
 * whose young generation is capped (src/core/engine-thread.ts); in that thread, `main` runs them.
 */
const BATCH_COMMANDS = new Set(['replay', 'preview']);

// Commands load their modules on first use: a dry-run replay never loads imapflow, undici or the
// sandbox, which saves start-up time and ~40 MB of RSS (measured by `npm run bench`).
const commands: Record<string, Command> = {
  replay: async (argv) => (await import('./commands/replay.js')).replayCommand(argv),
  preview: async (argv) => (await import('./commands/preview.js')).previewCommand(argv),
  run: async (argv) => {
    const failed = await runPreflight(argv);
    if (failed !== undefined) return failed;
    const [{ pipelineProcessMailFactory }, { runCommand }] = await Promise.all([
      import('./commands/daemon-pipeline.js'),
      import('./commands/run.js'),
    ]);
    const pipeline = pipelineProcessMailFactory();
    try {
      return await runCommand(argv, { processMailFactory: pipeline.factory, apiProbe: pipeline.probe });
    } finally {
      await pipeline.close();
    }
  },
  quarantine: async (argv) => (await import('./commands/quarantine.js')).quarantineCommand(argv),
  status: async (argv) => (await import('./commands/status.js')).statusCommand(argv),
  sandbox: async (argv) => (await import('./commands/sandbox.js')).sandboxCommand(argv),
  config: async (argv) => {
    if (argv[0] !== 'check') {
      process.stderr.write('usage: mail2ticket config check FILE\n');
      return 2;
    }
    return (await import('./commands/config-check.js')).configCheckCommand(argv.slice(1));
  },
  demo: async () => (await import('./commands/demo.js')).demoCommand(),
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`mail2ticket: unknown command "${name}" (see mail2ticket --help)\n`);
    return 2;
  }
  if (isMainThread && BATCH_COMMANDS.has(name)) {
    // V8 flags are process-wide: set once here, before the engine thread and the modules load
    (await import('./core/v8-batch.js')).tuneV8ForBatch();
    return (await import('./core/engine-thread.js')).runInEngineThread(argv);
  }
  if (NEEDS_SQLITE.has(name) && !rest.includes('--help')) {
    try {
      await (await import('./startup.js')).checkNativeModules();
    } catch (err) {
      process.stderr.write(`mail2ticket: ${describeError(err)}\n`);
      return 1;
    }
  }
  return command(rest);
}

/** The status a shell reports for a process that SIGPIPE ended: 128 + 13. */
const EXIT_SIGPIPE = 141;

/**
 * stdout's reader went away (`mail2ticket replay … | head -1`): end as SIGPIPE ends a C program, at
 * once, quietly, with the status a shell reports for it. Node ignores SIGPIPE, so the write fails
 * with EPIPE instead, and the unhandled 'error' event was a stack trace. Mail not yet done stays
 * where it is, as after any stop (a replay repeats nothing it finished). Any other failure to write
 * stdout: one line, exit 1. Not for `run`, whose stdout is its log.
 */
function stdoutFailed(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(EXIT_SIGPIPE);
  process.stderr.write(`mail2ticket: cannot write to stdout: ${describeError(err)}\n`);
  process.exit(1);
}
if (isMainThread && process.argv[2] !== 'run') process.stdout.on('error', stdoutFailed);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The daemon has drained (or given up after its grace period); a request that hung past it
    // must not keep the process alive, or a service manager's stop would time out.
    if (process.argv[2] === 'run') process.exit(code);
  },
  (err: unknown) => {
    // Last resort: a one-line message, never a stack trace (set DEBUG=mail2ticket for one).
    process.stderr.write(`mail2ticket: ${describeError(err)}\n`);
    if (process.env.DEBUG?.includes('mail2ticket') && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
