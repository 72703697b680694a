import { type Config, defaultConfig, loadConfigFile } from '../config.js';
import { describeError } from '../errors.js';
import { checkPaths } from '../sources/index.js';

/**
 * The start both mail commands (`replay`, `preview`) share: their arguments parsed, every PATH
 * checked, and the config loaded (the default one without `--config`). A problem is one line on
 * stderr and exit status 2 (a usage error adds the command's usage line); the caller returns it.
 */
export async function loadMailInput<A extends { paths: string[]; config?: string }>(
  command: string,
  usage: string,
  parse: (argv: string[]) => A,
  argv: string[],
  stderr: NodeJS.WritableStream,
): Promise<{ args: A; config: Config } | 2> {
  let args: A;
  try {
    args = parse(argv);
    await checkPaths(args.paths);
  } catch (err) {
    stderr.write(`mail2ticket ${command}: ${describeError(err)}\n${usage}\n`);
    return 2;
  }
  try {
    return { args, config: args.config ? loadConfigFile(args.config) : defaultConfig() };
  } catch (err) {
    stderr.write(`mail2ticket: ${describeError(err)}\n`);
    return 2;
  }
}
