import { execFile } from 'node:child_process';
import { Mail2TicketError } from '../errors.js';
import type { ImapAuthConfig } from './config-schema.js';
import { readSecretFile } from '../secrets.js';

type Xoauth2Auth = Extract<ImapAuthConfig, { type: 'xoauth2' }>;

/** Largest token command output accepted (a JWT access token is a few KB). */
export const MAX_TOKEN_OUTPUT_BYTES = 64 * 1024;

export interface TokenProvider {
  /** A token valid for at least the refresh margin; fetched anew when close to expiry. */
  get(): Promise<string>;
  /** Forget the cached token (the server refused it): the next get() fetches a new one. */
  invalidate(): void;
}

export interface TokenProviderOptions {
  now?: () => number;
  /** Runs the token command; injected by tests. Resolves with stdout. */
  run?: (argv: string[], timeoutMs: number) => Promise<string>;
}

interface Token {
  value: string;
  expiresAt: number;
}

function runCommand(argv: string[], timeoutMs: number): Promise<string> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(
      cmd!,
      args,
      { timeout: timeoutMs, maxBuffer: MAX_TOKEN_OUTPUT_BYTES, encoding: 'utf8' },
      (err, stdout) => {
        // stderr is deliberately not quoted: token helpers print secrets there when they fail.
        if (err) {
          const code = (err as NodeJS.ErrnoException & { code?: unknown }).code;
          const why = err.killed ? `timed out after ${timeoutMs} ms` : `failed (${String(code ?? 'error')})`;
          reject(new Mail2TicketError('E_IMAP', `token command ${cmd} ${why}`, { retryable: true }));
        } else resolve(stdout);
      },
    );
  });
}

/**
 * Parse a token source's output: a bare token, or JSON as OAuth token endpoints answer
 * (RFC 6749 section 5.1: `access_token`, `expires_in` seconds) or with `expires_at` (epoch seconds or ISO).
 */
export function parseTokenOutput(text: string, now: number, defaultLifetimeMs: number, where: string): Token {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new Mail2TicketError('E_IMAP', `${where}: token source gave no token`, { retryable: true });
  if (!trimmed.startsWith('{')) return { value: trimmed, expiresAt: now + defaultLifetimeMs };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    throw new Mail2TicketError('E_IMAP', `${where}: token source output starts with "{" but is not JSON`);
  }
  const value = json.access_token ?? json.accessToken ?? json.token;
  if (typeof value !== 'string' || value === '') {
    throw new Mail2TicketError('E_IMAP', `${where}: token JSON has no access_token string`);
  }
  let expiresAt = now + defaultLifetimeMs;
  if (typeof json.expires_in === 'number' || typeof json.expires_in === 'string') {
    const s = Number(json.expires_in);
    if (Number.isFinite(s) && s > 0) expiresAt = now + s * 1000;
  } else if (typeof json.expires_at === 'number') {
    expiresAt = json.expires_at * 1000;
  } else if (typeof json.expires_at === 'string') {
    const t = Date.parse(json.expires_at);
    if (Number.isFinite(t)) expiresAt = t;
  }
  return { value, expiresAt };
}

export function createTokenProvider(
  auth: Xoauth2Auth,
  where: string,
  opts: TokenProviderOptions = {},
): TokenProvider {
  const now = opts.now ?? Date.now;
  const run = opts.run ?? runCommand;
  let cached: Token | undefined;
  let inflight: Promise<Token> | undefined;

  const fetchToken = async (): Promise<Token> => {
    const source = auth.token;
    const text =
      'command' in source ? await run(source.command, source.timeoutMs) : readSecretFile(source.file, where);
    return parseTokenOutput(text, now(), auth.tokenLifetimeMs, where);
  };

  return {
    async get() {
      if (cached && now() < cached.expiresAt - auth.refreshMarginMs) return cached.value;
      // Concurrent callers share one refresh.
      inflight ??= fetchToken().finally(() => {
        inflight = undefined;
      });
      cached = await inflight;
      return cached.value;
    },
    invalidate() {
      cached = undefined;
    },
  };
}
