import { Writable } from 'node:stream';
import { pino } from 'pino';
import { type ClientOptions, SuperOfficeClient } from '../../src/api/client.js';
import { type ApiConfig, apiConfigSchema } from '../../src/api/config-schema.js';
import { type Logger, REDACT_PATHS } from '../../src/logger.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/server.js';
import type { MappedPayload } from '../../src/schema/entity.js';
import type { Decision } from '../../src/types.js';

export { startSandbox, type Sandbox };

/** An api config for a sandbox: default credentials, fast retries (tests never wait seconds). */
export function sandboxApiConfig(url: string, overrides: Record<string, unknown> = {}): ApiConfig {
  return apiConfigSchema.parse({
    baseUrl: url,
    auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' },
    retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20, maxTotalMs: 60_000 },
    timeouts: { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 },
    ...overrides,
  });
}

/** A logger whose JSON lines are kept in memory (to check redaction), at debug level. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, dest);
  return { logger, lines };
}

/**
 * A client whose retry waits are recorded and skipped (real HTTP, no real waiting), so tests can check
 * that Retry-After was honoured without timing anything.
 */
export async function testClient(
  cfg: ApiConfig,
  opts: ClientOptions = {},
): Promise<{ client: SuperOfficeClient; delays: number[] }> {
  const delays: number[] = [];
  const client = await SuperOfficeClient.create(cfg, {
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...opts,
  });
  return { client, delays };
}

export async function withSandbox<T>(opts: SandboxOptions, fn: (sb: Sandbox) => Promise<T>): Promise<T> {
  const sb = await startSandbox(opts);
  try {
    return await fn(sb);
  } finally {
    await sb.close();
  }
}

/** A complete mapper payload (every field the mapper owns), for live-flow tests. */
export function payloadFor(messageId: string, overrides: Partial<MappedPayload> = {}): MappedPayload {
  return {
    CreatedAt: '2024-03-01T10:00:00+01:00',
    Author: 'customer@example.com',
    Slevel: 'External',
    Type: 'Html',
    MessageId: messageId,
    Body: `body of ${messageId}`,
    HtmlBody: `<p>body of ${messageId}</p>`,
    EmailHeader: `Message-ID: ${messageId}\r\nSubject: test\r\n`,
    DebugInfo: 'mapped by test',
    MailSorter: 'mail2ticket',
    MessageCategory: 'Message',
    SearchTitle: 'test',
    MessageHeaders: [{ Name: 'To', Value: 'support@example.com' }],
    Important: false,
    ...overrides,
  };
}

export function decisionFor(messageId: string, ticketId?: number): Decision {
  return {
    messageId,
    createdAtSource: 'date',
    classification: { kind: 'message', evidence: [] },
    thread: {
      matchedBy: ticketId === undefined ? 'none' : 'in-reply-to',
      ...(ticketId === undefined ? {} : { ticketId }),
      candidates: [],
    },
    notes: [],
  };
}

/**
 * A sandbox seeded with `mails` (SuperOffice already imported them: the daemons update each one)
 * that counts the PUTs per Message-Id at its store (every accepted PUT replaces the message).
 */
export async function startCountingSandbox(
  seedDir: string,
  mails: ReadonlyMap<string, string>,
): Promise<{ sandbox: Sandbox; puts: Map<string, number> }> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  mkdirSync(seedDir, { recursive: true });
  for (const [name, raw] of mails) writeFileSync(join(seedDir, name), raw);
  const sandbox = await startSandbox({ seed: [seedDir] });
  const puts = new Map<string, number>();
  const ids = new Map(sandbox.state().messages.map((m) => [m.EjMessageId, String(m.MessageId)]));
  const replace = sandbox.store.replaceMessage.bind(sandbox.store);
  sandbox.store.replaceMessage = (id, entity, ticketId) => {
    const key = ids.get(id) ?? String(id);
    puts.set(key, (puts.get(key) ?? 0) + 1);
    return replace(id, entity, ticketId);
  };
  return { sandbox, puts };
}
