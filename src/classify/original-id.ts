/**
 * The Message-Id of the mail that bounced: from the returned message (message/rfc822,
 * message/global, RFC 6522 text/rfc822-headers, RFC 6533 message/global-headers), or failing that
 * from the original's headers quoted in a plain-text bounce ("------ This is a copy of the message").
 * The thread step joins the bounce to the ticket of that message.
 */
import { bracketedMessageIdInText } from '../message-id.js';
import type { ParsedMail } from '../types.js';
import { parseFieldBlock } from './dsn.js';

const RETURNED_TYPES = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/global-headers',
  'message/partial',
]);

/** Message-Id from a header block (the part before the first blank line). */
export function messageIdFromHeaderBlock(text: string): string | undefined {
  const head = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)[0] ?? '';
  const id = parseFieldBlock(head).get('message-id');
  return bracketedMessageIdInText(id);
}

/** Message-Id of the returned original, or undefined when the bounce does not show it. */
export function findOriginalMessageId(mail: ParsedMail, body: string): string | undefined {
  for (const part of mail.captured) {
    if (!RETURNED_TYPES.has(part.contentType)) continue;
    const id = messageIdFromHeaderBlock(part.text.replace(/^\s+/, ''));
    if (id) return id;
  }
  const own = bracketedMessageIdInText(mail.messageId);
  // A quoted header line, possibly indented or prefixed with "> " (quoted originals in plain text).
  for (const m of body.matchAll(/^[ \t>|]*message-id[ \t]*:[ \t]*\n?[ \t]*(\S.*)$/gim)) {
    const id = bracketedMessageIdInText(m[1]);
    if (id && id !== own) return id;
  }
  return undefined;
}
