import type { BodyConfig } from '../body/config-schema.js';
import { renderBodies } from '../body/index.js';
import { Mail2TicketError } from '../errors.js';
import type { Limits } from '../limits.js';
import { formatAddress } from '../parse/addresses.js';
import { messageIdOf } from '../message-id.js';
import { splitReply } from '../reply/index.js';
import { type MappedPayload, MappedPayloadSchema } from '../schema/entity.js';
import type { Classification, Decision, MailAddress, ParsedMail, ThreadDecision } from '../types.js';
import { debugInfo } from './debug-info.js';
import { isImportant } from './important.js';

export interface MappingOptions {
  slevel: 'Unknown' | 'Internal' | 'External';
  mailSorter: string;
  /** Extra header names copied into MessageHeaders. */
  extraHeaders: readonly string[];
  body: BodyConfig;
  limits: Limits;
}

export interface Mapped {
  payload: MappedPayload;
  decision: Decision;
}

/**
 * Everything the mapper derives from the mail alone, before threading: a plain, serialisable
 * object, so the expensive part (bodies) can run in a worker while threading runs in mail order.
 */
export interface PreparedMail {
  payload: Omit<MappedPayload, 'Ticket' | 'DebugInfo'>;
  decision: Omit<Decision, 'thread'>;
  importantReason?: string;
}

/**
 * ParsedMail + classification + thread decision -> the TicketMessageEntity fields mail determines,
 * and the decision record explaining them. Pure. See the README's mapping table for the why of each.
 */
export function mapMail(
  mail: ParsedMail,
  classification: Classification,
  thread: ThreadDecision,
  options: MappingOptions,
): Mapped {
  return finishMail(prepareMail(mail, classification, options), thread);
}

export function prepareMail(
  mail: ParsedMail,
  classification: Classification,
  options: MappingOptions,
): PreparedMail {
  const notes = [...mail.problems];
  const bodies = renderBodies(mail, { body: options.body, limits: options.limits });
  notes.push(...bodies.notes);
  // The new part, signature and quoted history; Body/HtmlBody change only under body.quotedText.
  const reply = splitReply({
    kind: classification.kind,
    subject: mail.subject,
    senderName: mail.from?.name,
    body: bodies.body,
    htmlBody: bodies.htmlBody,
    bodyIsTextPart: mail.text !== undefined && mail.text.trim() !== '',
    mode: options.body.quotedText,
    limits: options.limits,
  });
  notes.push(...reply.notes);

  // RFC 5322 makes Message-Id optional (3.6.4 "SHOULD"): without one the id is derived (derivedMessageId).
  const messageId = messageIdOf(mail);
  const messageIdDerived = !mail.messageId;
  if (messageIdDerived) notes.push('no Message-Id: derived one from a hash of the header block');

  let createdAt: string | undefined = mail.date;
  let createdAtSource: Decision['createdAtSource'] = 'date';
  if (!createdAt) {
    createdAt = mail.receivedDates[0];
    createdAtSource = createdAt ? 'received' : 'none';
    notes.push(
      createdAt
        ? `${mail.dateHeader === undefined ? 'no' : 'unparsable'} Date header: CreatedAt from the newest Received header`
        : 'no usable Date or Received header: CreatedAt left to SuperOffice',
    );
  }

  const author = authorOf(mail);
  if (!mail.from?.address) {
    notes.push(author ? `no From address: Author from ${author.from}` : 'no From address: Author left empty');
  }
  const important = isImportant(mail.headers);

  return {
    payload: {
      ...(createdAt ? { CreatedAt: createdAt } : {}),
      Author: author?.address ?? '',
      Slevel: options.slevel,
      Type: bodies.type,
      MessageId: messageId,
      Body: reply.body,
      HtmlBody: reply.htmlBody,
      EmailHeader: mail.headerBlock,
      MailSorter: options.mailSorter,
      MessageCategory: classification.kind === 'bounce' ? 'Bounce' : 'Message',
      SearchTitle: mail.subject,
      MessageHeaders: messageHeaders(mail, options.extraHeaders),
      Important: important.important,
    },
    decision: {
      messageId,
      ...(messageIdDerived ? { messageIdDerived } : {}),
      createdAtSource,
      classification,
      ...(classification.bounce ? { bounce: classification.bounce } : {}),
      reply: reply.decision,
      notes,
    },
    ...(important.reason ? { importantReason: important.reason } : {}),
  };
}

/** Add the thread decision: the ticket, and DebugInfo, which summarises the whole decision. */
export function finishMail(prepared: PreparedMail, thread: ThreadDecision): Mapped {
  const { notes, ...rest } = prepared.decision;
  const decision: Decision = { ...rest, thread, notes };
  const payload: MappedPayload = {
    ...(thread.ticketId === undefined ? {} : { Ticket: { TicketId: thread.ticketId } }),
    ...prepared.payload,
    DebugInfo: debugInfo(decision, prepared.importantReason),
  };
  const checked = MappedPayloadSchema.safeParse(payload);
  if (!checked.success) {
    const where = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Mail2TicketError('E_MAP_INVALID', `the mapped payload is invalid: ${where}`);
  }
  return { payload: checked.data, decision };
}

/** Author: the From address; mail without From falls back to Sender, then Reply-To. */
function authorOf(mail: ParsedMail): { address: string; from: string } | undefined {
  if (mail.from?.address) return { address: mail.from.address, from: 'From' };
  if (mail.sender?.address) return { address: mail.sender.address, from: 'Sender' };
  const replyTo = mail.replyTo.find((a) => a.address);
  if (replyTo) return { address: replyTo.address, from: 'Reply-To' };
  return undefined;
}

const ADDRESS_HEADERS: [string, keyof Pick<ParsedMail, 'to' | 'cc' | 'bcc' | 'replyTo'>][] = [
  ['To', 'to'],
  ['Cc', 'cc'],
  ['Bcc', 'bcc'],
  ['Reply-To', 'replyTo'],
];

function messageHeaders(mail: ParsedMail, extra: readonly string[]): { Name: string; Value: string }[] {
  const out: { Name: string; Value: string }[] = [];
  for (const [name, key] of ADDRESS_HEADERS) {
    const list = mail[key] as MailAddress[];
    if (list.length) out.push({ Name: name, Value: list.map(formatAddress).join(', ') });
  }
  const wanted = new Set(extra.map((h) => h.toLowerCase()));
  for (const field of mail.headers) {
    if (wanted.has(field.name.toLowerCase())) out.push({ Name: field.name, Value: field.value });
  }
  return out;
}
