import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Config } from './config.js';
import { describeError, Mail2TicketError } from './errors.js';
import { resolveSecret, type SecretRef } from './secrets.js';

/**
 * Start-up checks: each failure is one line that says what to do, thrown before anything starts
 * listening or connecting, so a command that cannot work exits at once instead of hanging or
 * retrying forever.
 */

/** The native SQLite module loads (it is built for one Node.js ABI; another one fails here). */
export async function checkNativeModules(): Promise<void> {
  try {
    const { default: Database } = await import('better-sqlite3');
    new Database(':memory:').close();
  } catch (err) {
    const text = describeError(err);
    if (
      /NODE_MODULE_VERSION|compiled against a different Node\.js version|ERR_DLOPEN_FAILED|invalid ELF|wrong ELF/i.test(
        `${text} ${(err as { code?: string }).code ?? ''}`,
      )
    ) {
      throw new Mail2TicketError(
        'E_CONFIG',
        `the native SQLite module (better-sqlite3) was built for another Node.js version than this one (${process.version}): run \`npm rebuild\``,
      );
    }
    throw new Mail2TicketError(
      'E_CONFIG',
      `the native SQLite module (better-sqlite3) does not load: ${text.split('\n')[0]}; run \`npm rebuild\``,
    );
  }
}

/** `stateDir` exists or can be made, and a file can be written there. */
export function checkStateDir(stateDir: string): void {
  const probe = join(stateDir, `.write-test-${process.pid}`);
  try {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Mail2TicketError(
      'E_CONFIG',
      `stateDir ${stateDir} is not writable (${code ?? describeError(err)}): fix its permissions or set "stateDir" to a writable directory`,
    );
  }
}

/** Every secret the config names (API credentials, mailbox passwords) resolves now. */
export function checkSecrets(config: Config): void {
  const refs: [SecretRef, string][] = [];
  const auth = config.api?.auth as Record<string, unknown> | undefined;
  if (auth) {
    for (const [k, v] of Object.entries(auth)) {
      if (k !== 'scheme' && v !== undefined && (typeof v === 'string' || isRef(v)))
        refs.push([v as SecretRef, `api.auth.${k}`]);
    }
  }
  config.mailboxes.forEach((mb, i) => {
    if (mb.auth.type === 'password') refs.push([mb.auth.password, `mailboxes.${i}.auth.password`]);
  });
  for (const [ref, where] of refs) {
    try {
      resolveSecret(ref, where);
    } catch (err) {
      throw new Mail2TicketError('E_CONFIG', describeError(err));
    }
  }
}

function isRef(v: unknown): boolean {
  return typeof v === 'object' && v !== null && ('env' in v || 'file' in v);
}

/** The TCP port can be listened on (checked and released before the real server binds it). */
export async function checkPort(host: string, port: number, what: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'is already in use (another mail2ticket still running?): stop that process or choose another port'
          : `cannot be used (${err.code ?? describeError(err)})`;
      reject(new Mail2TicketError('E_CONFIG', `${what}: ${host}:${port} ${why}`));
    });
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** Everything `run` needs before it starts a mailbox. */
export async function checkDaemonStartup(config: Config): Promise<void> {
  await checkNativeModules();
  checkStateDir(config.stateDir);
  checkSecrets(config);
  const http = config.daemon.http;
  if (http) await checkPort(http.host, http.port, 'daemon.http.port');
}
