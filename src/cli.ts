import { readFileSync } from 'node:fs';
import { configCheckCommand } from './commands/config-check.js';
import { pipelineProcessMailFactory } from './commands/daemon-pipeline.js';
import { demoCommand } from './commands/demo.js';
import { replayCommand } from './commands/replay.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';

const USAGE = `mail2ticket: turn incoming email into SuperOffice Service ticket messages

usage:
  mail2ticket replay [--dry-run] [--config FILE] [--out FILE] [--jobs N] PATH...
  mail2ticket run --config FILE
  mail2ticket sandbox [--port N] [--seed PATH...]
  mail2ticket config check FILE
  mail2ticket demo
  mail2ticket --version | --help
`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  replay: (argv) => replayCommand(argv),
  run: async (argv) => {
    const pipeline = pipelineProcessMailFactory();
    try {
      return await runCommand(argv, { processMailFactory: pipeline.factory });
    } finally {
      await pipeline.close();
    }
  },
  sandbox: (argv) => sandboxCommand(argv),
  config: async (argv) => {
    if (argv[0] !== 'check') {
      process.stderr.write('usage: mail2ticket config check FILE\n');
      return 2;
    }
    return configCheckCommand(argv.slice(1));
  },
  demo: () => demoCommand(),
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
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // The daemon has drained (or given up after its grace period); a request that hung past it
    // must not keep the process alive, or a service manager's stop would time out.
    if (process.argv[2] === 'run') process.exit(code);
  },
  (err: unknown) => {
    // Last resort: a one-line message, never a stack trace (set DEBUG=mail2ticket for one).
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mail2ticket: ${message}\n`);
    if (process.env.DEBUG?.includes('mail2ticket') && err instanceof Error)
      process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  },
);
