import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config.js';
import { describeError } from '../errors.js';
import {
  credentialsFromApiConfig,
  DEFAULT_SANDBOX_CREDENTIALS,
  type SandboxCredentials,
} from '../sandbox/auth.js';
import { checkTenant, startSandbox } from '../sandbox/server.js';
import { checkPaths } from '../sources/index.js';

export const SANDBOX_USAGE =
  'usage: mail2ticket sandbox [--port N] [--host ADDR] [--tenant NAME] [--config FILE] [--seed PATH...]';
/** A fixed default so a config file's baseUrl can point at it; --port 0 picks a free one. */
export const DEFAULT_SANDBOX_PORT = 8950;

export interface SandboxIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface SandboxArgs {
  port: number;
  host: string;
  /** Serve the API under `/{tenant}/api/v1` (e.g. Cust12345) instead of the root. */
  tenant?: string;
  config?: string;
  seed: string[];
}

export function parseSandboxArgs(argv: string[]): SandboxArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      tenant: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  const port = values.port === undefined ? DEFAULT_SANDBOX_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, got "${values.port}"`);
  }
  // `--seed a b c`: paths after the first --seed value arrive as positionals.
  const seed = [...(values.seed ?? []), ...positionals];
  if (positionals.length > 0 && !values.seed) throw new Error(`unexpected argument "${positionals[0]}"`);
  if (values.tenant !== undefined) checkTenant(values.tenant);
  return {
    port,
    host: values.host ?? '127.0.0.1',
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
    ...(values.config ? { config: values.config } : {}),
    seed,
  };
}

/**
 * `mail2ticket sandbox`: a local SuperOffice-compatible API (see src/sandbox/server.ts). Prints the URL
 * to paste as `api.baseUrl` on stdout (`http://127.0.0.1:8950/api`, with `--tenant Cust12345`
 * `http://127.0.0.1:8950/Cust12345/api`) and runs until SIGINT/SIGTERM (or `stop` aborts). With --config, it accepts exactly the credentials
 * that config's `api.auth` resolves to, so `replay --config` with the same file works against it.
 */
export async function sandboxCommand(
  argv: string[],
  io: SandboxIo = process,
  stop?: AbortSignal,
): Promise<number> {
  let args: SandboxArgs;
  let credentials: SandboxCredentials = DEFAULT_SANDBOX_CREDENTIALS;
  try {
    args = parseSandboxArgs(argv);
    if (args.seed.length) await checkPaths(args.seed);
  } catch (err) {
    io.stderr.write(
      `mail2ticket sandbox: ${describeError(err).replace(/\. To specify.*$/s, '')}\n${SANDBOX_USAGE}\n`,
    );
    return 2;
  }
  try {
    const api = args.config ? loadConfigFile(args.config).api : undefined;
    if (api) credentials = await credentialsFromApiConfig(api);
  } catch (err) {
    io.stderr.write(`mail2ticket: ${describeError(err)}\n`);
    return 2;
  }

  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({
      port: args.port,
      host: args.host,
      credentials,
      seed: args.seed,
      ...(args.tenant !== undefined ? { tenant: args.tenant } : {}),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(
      `mail2ticket sandbox: cannot listen on ${args.host}:${args.port}: ${code ?? describeError(err)}\n`,
    );
    return 1;
  }
  const r = sandbox.seedReport;
  // stdout: exactly the api.baseUrl to paste (the official clients' form: they append v1/...).
  io.stdout.write(`${sandbox.apiUrl}\n`);
  io.stderr.write(
    `sandbox: SuperOffice-compatible API at ${sandbox.apiUrl}/v1/... (paste ${sandbox.apiUrl} as api.baseUrl; state: ${sandbox.url}/sandbox/state)\n` +
      (sandbox.tenant !== undefined
        ? `sandbox: tenant status: ${sandbox.url}/api/state/${sandbox.tenant}\n`
        : '') +
      (credentials === DEFAULT_SANDBOX_CREDENTIALS ? 'sandbox: credentials: Basic sandbox:sandbox\n' : '') +
      (r
        ? `sandbox: seeded ${r.seeded} messages on ${r.tickets} tickets, ${r.skipped.length} unreadable\n`
        : ''),
  );
  for (const s of r?.skipped ?? []) io.stderr.write(`sandbox: skipped ${s.source}: ${s.reason}\n`);

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      stop?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (stop?.aborted) done();
    else stop?.addEventListener('abort', done);
  });
  await sandbox.close();
  io.stderr.write('sandbox: stopped\n');
  return 0;
}
