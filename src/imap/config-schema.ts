import { z } from 'zod';
import { secretRefSchema } from '../secrets.js';

/**
 * How a mailbox is reached: TLS mode, authentication, the default port. Owned by the imap module;
 * the daemon's `mailboxes` entries (src/daemon/config-schema.ts) are built from these.
 *
 * Secrets (IMAP passwords, OAuth token files) are given as a literal string, `{ "env": "NAME" }` or
 * `{ "file": "/run/secrets/x" }`; they are resolved when a connection is opened, so a rotated
 * file is picked up on the next reconnect and a secret never has to sit in the config file.
 */

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** Default XOAUTH2 token lifetime when the token source does not say (Microsoft and Google issue 1 h tokens). */
export const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;
/** Refresh a token this long before it expires, so a connection never starts with a dying token. */
export const DEFAULT_TOKEN_REFRESH_MARGIN_MS = 300_000;

const passwordAuthSchema = z
  .object({
    type: z.literal('password'),
    user: z.string().min(1),
    password: secretRefSchema,
  })
  .strict();

const xoauth2AuthSchema = z
  .object({
    type: z.literal('xoauth2'),
    user: z.string().min(1),
    /**
     * Where the access token comes from: a command whose stdout is the token (or JSON with
     * `access_token` and `expires_in`/`expires_at`), or a file another process keeps fresh.
     */
    token: z.union([
      z
        .object({ command: z.array(z.string().min(1)).min(1), timeoutMs: ms(100, 300_000).default(30_000) })
        .strict(),
      z.object({ file: z.string().min(1) }).strict(),
    ]),
    tokenLifetimeMs: ms(10_000, 86_400_000).default(DEFAULT_TOKEN_LIFETIME_MS),
    refreshMarginMs: ms(0, 3_600_000).default(DEFAULT_TOKEN_REFRESH_MARGIN_MS),
  })
  .strict();

export const imapAuthSchema = z.discriminatedUnion('type', [passwordAuthSchema, xoauth2AuthSchema]);
export type ImapAuthConfig = z.infer<typeof imapAuthSchema>;

export const tlsConfigSchema = z
  .object({
    /** implicit = TLS from the first byte (993); starttls = upgrade required (143); none = cleartext. */
    mode: z.enum(['implicit', 'starttls', 'none']).default('implicit'),
    /** Extra CA bundle (PEM) for a private CA. Certificate verification is always on. */
    caFile: z.string().min(1).optional(),
    /** Name to verify the certificate against when `host` is an IP address. */
    servername: z.string().min(1).optional(),
  })
  .strict();
export type TlsConfig = z.infer<typeof tlsConfigSchema>;

/** Default port for a TLS mode (RFC 8314: 993 implicit TLS, 143 cleartext / STARTTLS). */
export function defaultPort(mode: TlsConfig['mode']): number {
  return mode === 'implicit' ? 993 : 143;
}

/** What a connection needs of a mailbox entry (a `MailboxConfig` is one). */
export interface ImapEndpoint {
  host: string;
  port?: number | undefined;
  tls: TlsConfig;
  auth: ImapAuthConfig;
}
