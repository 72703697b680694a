import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type AddressObject, simpleParser } from 'mailparser';
import { TicketMessageRequestSchema } from '../schema/entity.js';
import { readSources } from '../sources/index.js';
import { type Json, type SandboxStore, SYSTEM_ASSOCIATE } from './store.js';

/**
 * The sandbox stands in for SuperOffice's own mail import, so it reads mail on its own: the header
 * block and the ids in it by the simple reading below, everything else with mailparser directly. It
 * imports nothing from src/parse or src/thread: when mail2ticket's reading of a Message-Id is wrong,
 * live replay against a seeded sandbox finds no match and fails, instead of agreeing with itself.
 */

/** Seeded bodies are for looking at, not for content tests: keep the sandbox's memory small. */
export const SEED_MAX_BODY_CHARS = 64 * 1024;
/** Larger mails are skipped (SuperOffice's import has a size limit too). */
export const SEED_MAX_MAIL_BYTES = 64 * 1024 * 1024;

export interface SeedReport {
  seeded: number;
  tickets: number;
  /** Mails that could not be read, with the reason. */
  skipped: { source: string; reason: string }[];
}

/** What the seed needs of one mail. */
export interface SeedMail {
  /** The raw header block as text, up to (not including) the empty line that ends it. */
  headerBlock: string;
  /** The id it is stored under (seedMessageId). */
  messageId: string;
  /** The first id in the first In-Reply-To field. */
  inReplyTo: string | undefined;
  subject: string;
  date: string | undefined;
  from: string | undefined;
  to: string[];
  cc: string[];
  text: string;
}

/** The header block: bytes up to the first empty line (LF LF or LF CR LF), or all of them. */
export function rawHeaderBlock(bytes: Buffer): string {
  let end = bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    if (bytes[i + 1] === 0x0a || (bytes[i + 1] === 0x0d && bytes[i + 2] === 0x0a)) {
      end = i + 1;
      break;
    }
  }
  const block = bytes.subarray(0, end);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(block);
  } catch {
    return block.toString('latin1');
  }
}

/**
 * The header fields in order, unfolded (RFC 5322 2.2.3: a line break followed by a space or tab is
 * removed, the whitespace kept). Lines without a colon are not fields and are passed over.
 */
export function headerFields(headerBlock: string): { name: string; value: string }[] {
  const fields: { name: string; value: string }[] = [];
  for (const line of headerBlock.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1) });
  }
  return fields;
}

/** The first field called `name` (case-insensitive), trimmed; undefined when absent or empty. */
export function firstField(headerBlock: string, name: string): string | undefined {
  const lower = name.toLowerCase();
  const value = headerFields(headerBlock)
    .find((f) => f.name.toLowerCase() === lower)
    ?.value.trim();
  return value || undefined;
}

/**
 * The id the seed stores a mail under: its Message-ID field, or for a mail without one the id
 * mail2ticket documents deriving (`<first 32 hex digits of sha256(header block)@mail2ticket.invalid>`),
 * so live replay can match every seeded mail. SuperOffice itself would store none.
 */
export function seedMessageId(headerBlock: string): string {
  return (
    firstField(headerBlock, 'Message-ID') ??
    `<${createHash('sha256').update(headerBlock).digest('hex').slice(0, 32)}@mail2ticket.invalid>`
  );
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, string> = { ut: '+00:00', gmt: '+00:00', z: '+00:00' };

/**
 * An RFC 5322 date (`Mon, 4 Mar 2024 10:00:00 +0100`) as ISO 8601 with its own offset
 * (`2024-03-04T10:00:00+01:00`); undefined when it is not one.
 */
export function seedDate(value: string | undefined): string | undefined {
  const m =
    /^\s*(?:[a-z]{3},\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|ut|gmt|z)?\b/i.exec(
      value ?? '',
    );
  const month = m ? MONTHS.indexOf(m[2]!.toLowerCase()) : -1;
  if (!m || month < 0) return undefined;
  const zone = m[7] ? (ZONES[m[7].toLowerCase()] ?? `${m[7].slice(0, 3)}:${m[7].slice(3)}`) : '+00:00';
  const pad = (n: string | undefined) => (n ?? '0').padStart(2, '0');
  const iso = `${m[3]}-${pad(String(month + 1))}-${pad(m[1])}T${pad(m[4])}:${m[5]}:${pad(m[6])}${zone}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

const addresses = (a: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address ?? '').filter(Boolean));

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > SEED_MAX_MAIL_BYTES) {
      stream.destroy();
      throw new Error(`the mail is larger than ${SEED_MAX_MAIL_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Read one mail the way the stand-in import does. */
export async function readSeedMail(bytes: Buffer): Promise<SeedMail> {
  if (bytes.length === 0) throw new Error('the mail is empty');
  const headerBlock = rawHeaderBlock(bytes);
  const parsed = await simpleParser(bytes, {
    skipTextToHtml: true,
    skipImageLinks: true,
    skipTextLinks: true,
  });
  const inReplyTo = firstField(headerBlock, 'In-Reply-To');
  return {
    headerBlock,
    messageId: seedMessageId(headerBlock),
    inReplyTo: /<[^<>]+>/.exec(inReplyTo ?? '')?.[0] ?? inReplyTo,
    subject: parsed.subject ?? '',
    date: seedDate(firstField(headerBlock, 'Date')),
    from: addresses(parsed.from)[0],
    to: addresses(parsed.to),
    cc: addresses(parsed.cc),
    text: parsed.text ?? '',
  };
}

/**
 * Import mail as pre-existing ticket messages, the way SuperOffice's own mail import would: in arrival
 * order (the order of the sources), one new ticket per mail, joined to an existing ticket only when
 * its In-Reply-To names a message already stored (SuperOffice documents no use of References).
 */
export async function seedStore(store: SandboxStore, paths: readonly string[]): Promise<SeedReport> {
  const report: SeedReport = { seeded: 0, tickets: 0, skipped: [] };
  for await (const input of readSources(paths)) {
    let mail: SeedMail;
    try {
      mail = await readSeedMail(await readAll(input.open()));
    } catch (err) {
      report.skipped.push({ source: input.source, reason: (err as Error).message });
      continue;
    }
    const parent = mail.inReplyTo ? store.findByMessageId(mail.inReplyTo)[0] : undefined;
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
export function seedEntity(mail: SeedMail, source: string, ticketTitle: string): Json {
  const headers = [
    ...mail.to.map((a) => ({ Name: 'To', Value: a })),
    ...mail.cc.map((a) => ({ Name: 'Cc', Value: a })),
  ];
  const entity: Json = {
    CreatedAt: mail.date ?? new Date().toISOString(),
    CreatedBy: { ...SYSTEM_ASSOCIATE },
    Author: mail.from ?? '',
    Slevel: 'External',
    Type: 'Plain',
    MessageId: mail.messageId,
    TimeSpent: 0,
    Body: mail.text.slice(0, SEED_MAX_BODY_CHARS),
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
