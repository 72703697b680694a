import { readFileSync } from 'node:fs';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { resolveSecret } from '../secrets.js';
import { Mail2TicketError, describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { scrubSecrets } from '../logger.js';
import { defaultPort, type ImapEndpoint } from './config-schema.js';
import { createTokenProvider, type TokenProvider } from './token-provider.js';

/** Budget for TCP + TLS + greeting; a server that does not answer within it is retried later. */
export const CONNECT_TIMEOUT_MS = 30_000;
export const GREETING_TIMEOUT_MS = 16_000;

export interface ImapCredentials {
  user: string;
  /** Resolves the password or access token when a connection is opened (never cached in logs). */
  secret(): Promise<{ pass?: string; accessToken?: string }>;
  /** Called when the server refused the credentials (an XOAUTH2 token is then refreshed). */
  onAuthFailure(): void;
}

export function credentialsFor(mb: ImapEndpoint, where: string, tokens?: TokenProvider): ImapCredentials {
  const auth = mb.auth;
  if (auth.type === 'password') {
    return {
      user: auth.user,
      secret: async () => ({ pass: resolveSecret(auth.password, `${where}.auth.password`) }),
      onAuthFailure: () => {},
    };
  }
  const provider = tokens ?? createTokenProvider(auth, `${where}.auth.token`);
  return {
    user: auth.user,
    secret: async () => ({ accessToken: await provider.get() }),
    onAuthFailure: () => provider.invalidate(),
  };
}

/** imapflow's own log lines go to debug; its warnings stay warnings. It already masks credentials. */
function imapflowLogger(logger: Logger): NonNullable<ImapFlowOptions['logger']> {
  const strip = (o: Record<string, unknown>) => ({ imap: o.msg, cid: o.cid, code: o.code });
  return {
    trace: () => {},
    debug: (o: Record<string, unknown>) => logger.trace(strip(o)),
    info: (o: Record<string, unknown>) => logger.debug(strip(o)),
    warn: (o: Record<string, unknown>) => logger.warn(strip(o)),
    error: (o: Record<string, unknown>) => logger.debug(strip(o)),
  };
}

export interface BuildOptions {
  logger: Logger;
  socketTimeoutMs: number;
}

/** ImapFlow options for a mailbox: TLS mode, CA file, credentials. Throws E_CONFIG for unreadable files. */
export async function imapOptions(
  mb: ImapEndpoint,
  where: string,
  creds: ImapCredentials,
  opts: BuildOptions,
): Promise<ImapFlowOptions> {
  const tls: NonNullable<ImapFlowOptions['tls']> = { rejectUnauthorized: true, minVersion: 'TLSv1.2' };
  if (mb.tls.caFile) {
    try {
      tls.ca = readFileSync(mb.tls.caFile);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new Mail2TicketError('E_CONFIG', `${where}.tls.caFile: cannot read ${mb.tls.caFile}: ${code}`);
    }
  }
  const secret = await creds.secret();
  return {
    host: mb.host,
    port: mb.port ?? defaultPort(mb.tls.mode),
    secure: mb.tls.mode === 'implicit',
    // STARTTLS mode must upgrade or fail (a cleartext capability list can be stripped by an attacker).
    doSTARTTLS: mb.tls.mode === 'starttls' ? true : mb.tls.mode === 'none' ? false : undefined,
    ...(mb.tls.servername ? { servername: mb.tls.servername } : {}),
    tls,
    auth: { user: creds.user, ...secret },
    // The loop decides when to IDLE; auto-IDLE would interleave with our commands.
    disableAutoIdle: true,
    logger: imapflowLogger(opts.logger),
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: opts.socketTimeoutMs,
    clientInfo: { name: 'mail2ticket' },
  };
}

export function isAuthFailure(err: unknown): boolean {
  return Boolean(
    err && typeof err === 'object' && (err as { authenticationFailed?: boolean }).authenticationFailed,
  );
}

/**
 * Connect and authenticate. Auth failures become E_IMAP (not retryable by itself, but the
 * supervisor keeps retrying with backoff: a password may be fixed without a restart).
 */
export async function connectImap(
  mb: ImapEndpoint,
  where: string,
  creds: ImapCredentials,
  opts: BuildOptions,
): Promise<ImapFlow> {
  const options = await imapOptions(mb, where, creds, opts);
  const secrets = [options.auth?.pass, options.auth?.accessToken];
  const client = new ImapFlow(options);
  // An 'error' event without a listener would crash the process; the loop sees the failure
  // through the rejected command or the 'close' event instead.
  client.on('error', (err: Error) =>
    opts.logger.debug({ err: scrubSecrets(describeError(err), secrets) }, 'imap error'),
  );
  try {
    await client.connect();
  } catch (err) {
    // RFC 3501 6.2.3: LOGINDISABLED means cleartext login is refused on this connection; imapflow
    // then sends no credentials and reports an auth failure, which would blame the password.
    const loginDisabled = client.capabilities.has('LOGINDISABLED');
    client.close();
    if (isAuthFailure(err) && loginDisabled && !client.secureConnection) {
      throw new Mail2TicketError(
        'E_IMAP',
        `${where}: ${options.host}:${options.port} refuses login without TLS (LOGINDISABLED): set tls.mode to "starttls" or "implicit"`,
        { details: { auth: true } },
      );
    }
    if (isAuthFailure(err)) {
      creds.onAuthFailure();
      throw new Mail2TicketError('E_IMAP', `${where}: authentication failed for user ${creds.user}`, {
        details: { auth: true },
      });
    }
    const code = (err as { code?: string }).code;
    const msg = scrubSecrets(describeError(err), secrets);
    throw new Mail2TicketError(
      'E_IMAP',
      `${where}: cannot connect to ${options.host}:${options.port}: ${msg}${code ? ` (${code})` : ''}`,
      { retryable: true },
    );
  }
  return client;
}
