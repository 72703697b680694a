import { execFile } from 'node:child_process';
import { Mail2TicketError } from '../errors.js';
import type { ApiAuthConfig } from './config-schema.js';
import { readSecretFile, resolveSecret } from '../secrets.js';

/** A token command that takes longer than this is hung; the 401 then stands. */
export const TOKEN_COMMAND_TIMEOUT_MS = 30_000;
export const TOKEN_COMMAND_MAX_OUTPUT_BYTES = 64 * 1024;
/** How many superseded secret values are still scrubbed from text (a late error may quote an old token). */
const REMEMBERED_SECRETS = 8;

/**
 * Credentials for every request. Schemes as documented for SuperOffice's WebAPI:
 * `Basic base64(user:pass)` (onsite), `SOTicket 7T:...` (sent as is), `Bearer <access token>` (Online),
 * each optionally with `SO-AppToken` (required by Online for server-to-server calls).
 */
export interface AuthProvider {
  readonly scheme: ApiAuthConfig['scheme'];
  /** Authorization and SO-AppToken headers for the next request. */
  headers(): Record<string, string>;
  /** Re-read the credentials after a 401 (token command, token file, env, secret file). */
  refresh(signal?: AbortSignal): Promise<void>;
  /** Every secret value known now or recently: scrubbed from error messages. */
  secrets(): string[];
}

export type TokenCommandRunner = (argv: string[], signal?: AbortSignal) => Promise<string>;

export interface AuthOptions {
  env?: NodeJS.ProcessEnv;
  runCommand?: TokenCommandRunner;
}

/** Runs a token command without a shell; never puts its output into an error message. */
export const runTokenCommand: TokenCommandRunner = (argv, signal) =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    execFile(
      file!,
      args,
      {
        timeout: TOKEN_COMMAND_TIMEOUT_MS,
        maxBuffer: TOKEN_COMMAND_MAX_OUTPUT_BYTES,
        signal,
        encoding: 'utf8',
        windowsHide: true,
      },
      (err, stdout) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
          const why = e.killed ? 'timed out or was killed' : `failed (${String(e.code ?? 'error')})`;
          reject(new Mail2TicketError('E_API_AUTH', `api.auth.tokenCommand ${file} ${why}`));
          return;
        }
        const token = stdout.trim();
        if (!token) {
          reject(new Mail2TicketError('E_API_AUTH', `api.auth.tokenCommand ${file} printed no token`));
          return;
        }
        resolve(token);
      },
    );
  });

export async function createAuth(cfg: ApiAuthConfig, opts: AuthOptions = {}): Promise<AuthProvider> {
  const env = opts.env ?? process.env;
  const run = opts.runCommand ?? runTokenCommand;
  const remembered: string[] = [];
  const remember = (...values: string[]) => {
    for (const v of values) {
      if (!remembered.includes(v)) remembered.push(v);
    }
    while (remembered.length > REMEMBERED_SECRETS) remembered.shift();
  };

  let appToken: string | undefined;
  let authorization = '';

  const load = async (signal?: AbortSignal): Promise<void> => {
    appToken = cfg.appToken === undefined ? undefined : resolveSecret(cfg.appToken, 'api.auth.appToken', env);
    if (appToken) remember(appToken);
    switch (cfg.scheme) {
      case 'basic': {
        const user = resolveSecret(cfg.user, 'api.auth.user', env);
        const password = resolveSecret(cfg.password, 'api.auth.password', env);
        const encoded = Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
        authorization = `Basic ${encoded}`;
        remember(password, encoded);
        return;
      }
      case 'soticket': {
        const ticket = resolveSecret(cfg.ticket, 'api.auth.ticket', env);
        authorization = `SOTicket ${ticket}`;
        remember(ticket);
        return;
      }
      case 'bearer': {
        let token: string;
        if (cfg.tokenCommand) token = await run(cfg.tokenCommand, signal);
        else if (cfg.tokenFile) token = readSecretFile(cfg.tokenFile, 'api.auth.tokenFile');
        else token = resolveSecret(cfg.token!, 'api.auth.token', env);
        authorization = `Bearer ${token}`;
        remember(token);
        return;
      }
    }
  };

  await load();
  return {
    scheme: cfg.scheme,
    headers() {
      const h: Record<string, string> = { authorization };
      if (appToken) h['so-apptoken'] = appToken;
      return h;
    },
    async refresh(signal) {
      await load(signal);
    },
    secrets: () => [...remembered],
  };
}
