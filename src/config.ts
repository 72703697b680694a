import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { apiConfigSchema } from './api/config-schema.js';
import { attachmentsConfigSchema, DEFAULT_ATTACHMENTS_CONFIG } from './attachments/config-schema.js';
import { bodyConfigSchema } from './body/config-schema.js';
import { daemonConfigSchema, mailboxConfigSchema } from './daemon/config-schema.js';
import { Mail2TicketError } from './errors.js';
import { limitsSchema } from './limits-schema.js';
import { stateConfigSchema } from './state/postgres/config-schema.js';
import { Slevel } from './schema/entity.js';
import { threadConfigSchema } from './thread/config-schema.js';

/**
 * The configuration file (JSON). Each module owns its section's schema; this file only composes
 * them, so that one `parseConfig` reports every problem of the whole file at once, each with its path.
 */
export const configSchema = z
  .object({
    /** Where the SQLite state lives (thread index, mailbox progress, quarantine). */
    stateDir: z.string().min(1).default('./state'),
    /** `state.postgres`: shared state and mailbox leases for several instances (docs/scale-out.md). */
    state: stateConfigSchema.optional(),
    mapping: z
      .object({
        slevel: Slevel.default('External'),
        mailSorter: z.string().default('mail2ticket'),
        /** Extra header names copied into MessageHeaders besides To, Cc, Bcc and Reply-To. */
        extraHeaders: z.array(z.string().regex(/^[!-9;-~]+$/, 'not a valid header field name')).default([]),
      })
      .strict()
      .default({ slevel: 'External', mailSorter: 'mail2ticket', extraHeaders: [] }),
    limits: limitsSchema.default({}),
    body: bodyConfigSchema.default(bodyConfigSchema.parse({})),
    attachments: attachmentsConfigSchema.default(DEFAULT_ATTACHMENTS_CONFIG),
    threading: threadConfigSchema.default(threadConfigSchema.parse({})),
    api: apiConfigSchema.optional(),
    mailboxes: z.array(mailboxConfigSchema).default([]),
    daemon: daemonConfigSchema.default(daemonConfigSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** Format zod issues as "path: message" lines, every one of them. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** Validate a parsed config object; throws E_CONFIG listing every problem with its path. */
export function parseConfig(raw: unknown, where = 'config'): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = formatIssues(result.error.issues);
    throw new Mail2TicketError('E_CONFIG', `${where} is invalid:\n  ${lines.join('\n  ')}`, {
      details: { problems: lines },
    });
  }
  return result.data;
}

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Mail2TicketError('E_CONFIG', `cannot read config file ${path}: ${code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Mail2TicketError(
      'E_CONFIG',
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  return parseConfig(raw, path);
}

export function defaultConfig(): Config {
  return parseConfig({});
}
