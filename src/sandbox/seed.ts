import type { Limits } from '../limits.js';
import { messageIdOf } from '../message-id.js';
import { parseMail } from '../parse/parse.js';
import { TicketMessageRequestSchema } from '../schema/entity.js';
import { readSources } from '../sources/index.js';
import type { ParsedMail } from '../types.js';
import { type Json, type SandboxStore, SYSTEM_ASSOCIATE } from './store.js';

/** Seeded bodies are for looking at, not for content tests: keep the sandbox's memory small. */
export const SEED_MAX_BODY_CHARS = 64 * 1024;

export interface SeedReport {
  seeded: number;
  tickets: number;
  /** Mails that could not be parsed, with the reason. */
  skipped: { source: string; reason: string }[];
}

const firstId = (v: string | undefined) => /<[^<>]+>/.exec(v ?? '')?.[0] ?? v?.trim();

/**
 * Import mail as pre-existing ticket messages, the way SuperOffice's own mail import would: in arrival
 * order (the order of the sources), one new ticket per mail, joined to an existing ticket only when
 * its In-Reply-To names a message already stored (SuperOffice documents no use of References).
 *
 * One deliberate difference: a mail without a Message-Id is stored under the id mail2ticket derives
 * for it (messageIdOf), so live replay can match every seeded mail. SuperOffice would store none.
 */
export async function seedStore(
  store: SandboxStore,
  paths: readonly string[],
  opts: { limits?: Limits } = {},
): Promise<SeedReport> {
  const report: SeedReport = { seeded: 0, tickets: 0, skipped: [] };
  for await (const input of readSources(paths)) {
    let mail: ParsedMail;
    try {
      mail = await parseMail(input.open(), opts.limits ? { limits: opts.limits } : {});
    } catch (err) {
      report.skipped.push({ source: input.source, reason: (err as Error).message });
      continue;
    }
    const parentId = firstId(mail.inReplyTo);
    const parent = parentId ? store.findByMessageId(parentId)[0] : undefined;
    let ticketId = parent === undefined ? undefined : store.messages.get(parent)?.ticketId;
    const title = mail.subject || '(no subject)';
    if (ticketId === undefined) {
      ticketId = store.addTicket({ Title: title, ...(mail.date ? { CreatedAt: mail.date } : {}) }).TicketId;
      report.tickets++;
    }
    store.addMessage(ticketId, seedEntity(mail, input.source, store.tickets.get(ticketId)!.Title));
    report.seeded++;
  }
  return report;
}

/** The entity SuperOffice's import would have stored for `mail` (plain text body, raw header block). */
export function seedEntity(mail: ParsedMail, source: string, ticketTitle: string): Json {
  const headers = [
    ...mail.to.map((a) => ({ Name: 'To', Value: a.address })),
    ...mail.cc.map((a) => ({ Name: 'Cc', Value: a.address })),
  ];
  const entity: Json = {
    CreatedAt: mail.date ?? mail.receivedDates[0] ?? new Date().toISOString(),
    CreatedBy: { ...SYSTEM_ASSOCIATE },
    Author: mail.from?.address ?? '',
    Slevel: 'External',
    Type: 'Plain',
    MessageId: messageIdOf(mail),
    TimeSpent: 0,
    Body: (mail.text ?? '').slice(0, SEED_MAX_BODY_CHARS),
    HtmlBody: '',
    EmailHeader: mail.headerBlock,
    DebugInfo: `seeded by the mail2ticket sandbox from ${source}`,
    MailSorter: 'sandbox-import',
    MessageCategory: 'Message',
    SearchTitle: ticketTitle,
    MessageHeaders: headers,
    Important: false,
    ExtraFields: {},
    CustomFields: {},
  };
  // A date the schema would refuse (no offset, odd format) must not make the sandbox serve an entity
  // that fails validation; drop it as SuperOffice would leave it empty.
  if (!TicketMessageRequestSchema.safeParse({ EjMessageId: 0, ...entity }).success) {
    entity.CreatedAt = new Date().toISOString();
  }
  return entity;
}
