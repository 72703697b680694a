import { z } from 'zod';
import { imapAuthSchema, tlsConfigSchema } from '../imap/config-schema.js';
import { Slevel } from '../schema/entity.js';

/**
 * `mailboxes` and `daemon` sections. Owned by the daemon module; how a mailbox is reached (TLS,
 * authentication, the default port) is the imap module's (src/imap/config-schema.ts).
 */
export { type SecretRef, secretRefSchema } from '../secrets.js';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const mailboxConfigSchema = z
  .object({
    /** Used in logs, metrics, the state database and as the quarantine directory name. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'use 1-64 letters, digits, ".", "_" or "-"'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    tls: tlsConfigSchema.default({ mode: 'implicit' }),
    auth: imapAuthSchema,
    folder: z.string().min(1).default('INBOX'),
    processedFolder: z.string().min(1).optional(),
    quarantineFolder: z.string().min(1).optional(),
    /** What happens to an accepted mail: flagged \Seen in place, or moved to processedFolder. Never deleted. */
    afterSuccess: z.enum(['seen', 'move']).default('seen'),
    mailSorter: z.string().min(1).optional(),
    slevel: Slevel.optional(),
    /** Advertised IDLE is ignored and the folder polled instead (for servers with a broken IDLE). */
    disableIdle: z.boolean().default(false),
  })
  .strict()
  .superRefine((mb, ctx) => {
    if (mb.afterSuccess === 'move' && !mb.processedFolder) {
      ctx.addIssue({
        code: 'custom',
        path: ['processedFolder'],
        message: 'required when afterSuccess is "move"',
      });
    }
    for (const key of ['processedFolder', 'quarantineFolder'] as const) {
      if (mb[key] !== undefined && mb[key] === mb.folder) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must differ from folder "${mb.folder}"` });
      }
    }
  });
export type MailboxConfig = z.infer<typeof mailboxConfigSchema>;

/** Default wait between retries of a deferred mail: 1 min, 5 min, 15 min, then hourly. */
export const DEFAULT_DEFERRED_SCHEDULE_MS = [60_000, 300_000, 900_000, 3_600_000];

export const daemonConfigSchema = z
  .object({
    /** How often a folder is polled when the server has no IDLE. */
    pollIntervalMs: ms(100, 3_600_000).default(30_000),
    /** Re-check the folder this often even with IDLE (a missed notification must not strand mail). */
    recheckIntervalMs: ms(100, 86_400_000).default(300_000),
    /** Waits before retrying a deferred mail; the last one repeats. */
    deferredRetryScheduleMs: z.array(ms(0, 86_400_000)).min(1).default(DEFAULT_DEFERRED_SCHEDULE_MS),
    /** A mail still deferred this long after it was first seen is quarantined. */
    maxDeferredAgeMs: ms(1000, 90 * 86_400_000).default(3 * 86_400_000),
    /** A mail tried this many times (deferred, failed or interrupted) is quarantined. */
    maxAttempts: z.number().int().min(1).max(10_000).default(20),
    /** How long a shutdown waits for the mail in flight before closing connections anyway. */
    shutdownGraceMs: ms(0, 600_000).default(30_000),
    /** Reconnect backoff after a mailbox failed: exponential from initial, capped, with jitter. */
    reconnect: z
      .object({
        initialDelayMs: ms(10, 600_000).default(1000),
        maxDelayMs: ms(10, 3_600_000).default(300_000),
      })
      .strict()
      .default({ initialDelayMs: 1000, maxDelayMs: 300_000 }),
    /** Mails up to this size are fetched into memory; larger ones are streamed to a spool file. */
    spoolThresholdBytes: z
      .number()
      .int()
      .min(0)
      .max(1024 * 1024 * 1024)
      .default(8 * 1024 * 1024),
    /** IMAP socket inactivity timeout (a dead peer is noticed within this time). */
    socketTimeoutMs: ms(1000, 3_600_000).default(300_000),
    /** Optional HTTP endpoint with /healthz and /metrics. */
    http: z
      .object({
        port: z.number().int().min(0).max(65535),
        host: z.string().min(1).default('127.0.0.1'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type DaemonConfig = z.infer<typeof daemonConfigSchema>;

/** Problems the per-entry schema cannot see: duplicate mailbox names. "path: message" lines. */
export function mailboxListProblems(mailboxes: readonly { name: string }[]): string[] {
  const seen = new Map<string, number>();
  const problems: string[] = [];
  mailboxes.forEach((mb, i) => {
    const first = seen.get(mb.name);
    if (first !== undefined)
      problems.push(`mailboxes.${i}.name: "${mb.name}" is already used by mailboxes.${first}`);
    else seen.set(mb.name, i);
  });
  return problems;
}
