/**
 * The daemon as a child process, for scenarios that kill it (SIGKILL) or signal it:
 *   node --import tsx test/helpers/daemon-child.ts --config FILE --api URL
 * processMail is the HTTP stand-in (PUT to a RecordingApi) until src/pipeline.ts is wired.
 */
import { runCommand } from '../../src/commands/run.js';
import { httpProcessMail } from './http-process-mail.js';

const argv = process.argv.slice(2);
const i = argv.indexOf('--api');
const api = i >= 0 ? argv[i + 1] : undefined;
if (!api) {
  process.stderr.write('daemon-child: --api URL is required\n');
  process.exit(2);
}
argv.splice(i, 2);
const code = await runCommand(argv, { processMailFactory: () => httpProcessMail(api) });
process.exit(code);
