/**
 * The Message-Id of the mail that bounced: from the returned message (message/rfc822,
 * message/global, RFC 6522 text/rfc822-headers, RFC 6533 message/global-headers), or failing that
 * from the original's headers quoted in a plain-text bounce ("------ This is a copy of the message").
 * The thread step joins the bounce to the ticket of that message.
 */
import { bracketedMessageId, bracketedMessageIdInText } from '../message-id.js';
import type { ParsedMail } from '../types.js';
import { parseFieldBlock } from './dsn.js';
import { returnedOriginalOffset } from './plaintext/boundaries.js';

const RETURNED_TYPES = new Set([
  'message/rfc822',
  'message/global',
  'text/rfc822-headers',
  'message/global-headers',
  'message/partial',
]);

/**
 * Message-Id from a header block (the part before the first blank line). The field is the
 * returned mail's own, so an id without '@' ("Message-ID: 20140913142357", written by some
 * mailers) is still its id (RFC 5322 section 3.6.4 asks for the form, it does not make another
 * value someone else's); see bracketedMessageId.
 */
export function messageIdFromHeaderBlock(text: string): string | undefined {
  const head = text.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)[0] ?? '';
  const id = parseFieldBlock(head).get('message-id');
  return bracketedMessageIdInText(id) ?? fieldId(id);
}

/** A Message-Id field's value that is one token without '@', bracketed; else undefined. */
function fieldId(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && /^<?[^\s<>@]{6,}>?$/.test(v) ? bracketedMessageId(v) : undefined;
}

/** Message-Id of the returned original, or undefined when the bounce does not show it. */
export function findOriginalMessageId(mail: ParsedMail, body: string): string | undefined {
  for (const part of mail.captured) {
    if (!RETURNED_TYPES.has(part.contentType)) continue;
    const id = messageIdFromHeaderBlock(part.text.replace(/^\s+/, ''));
    if (id) return id;
  }
  const quoted = messageIdOfQuotedOriginal(body);
  if (quoted) return quoted;
  const own = bracketedMessageIdInText(mail.messageId);
  // A quoted header line, possibly indented or prefixed with "> " (quoted originals in plain text).
  for (const m of body.matchAll(/^[ \t>|]*message-id[ \t]*:[ \t]*\n?[ \t]*(\S.*)$/gim)) {
    const id = bracketedMessageIdInText(m[1]);
    if (id && id !== own) return id;
  }
  return undefined;
}

/**
 * The Message-ID line of the header block that follows the separator a plain-text bounce puts
 * before the returned message (Exim "------ This is a copy of the message, including all the
 * headers. ------", qmail "--- Below this line is a copy of the message.", Sendmail "-----
 * Original message follows -----", IMail "Original message follows.", ...; see
 * ./plaintext/boundaries.ts), its lines possibly indented or quoted with "> ". Found there it
 * belongs to the returned message even when it equals the bounce's own Message-Id (anonymised
 * samples do that), since the bounce's own header is not part of its body.
 */
function messageIdOfQuotedOriginal(body: string): string | undefined {
  const at = returnedOriginalOffset(body);
  if (at >= body.length) return undefined;
  const lines = body.slice(at).split('\n').slice(0, 200);
  // The region opens with the separator line, or (no separator) with the first header line.
  let i = /^[ \t>|]*[a-z0-9-]+[ \t]*:/i.test(lines[0] ?? '') ? 0 : 1;
  while (i < lines.length && /^[ \t>|]*$/.test(lines[i]!)) i++;
  for (; i < lines.length; i++) {
    const line = lines[i]!.replace(/^[ \t]*(?:[>|][ \t]?)*/, '');
    if (line.trim() === '') break;
    const m = /^message-id[ \t]*:[ \t]*(.*)$/i.exec(line);
    if (!m) continue;
    const value = m[1]!.trim() || (lines[i + 1] ?? '').trim();
    const id = bracketedMessageIdInText(value) ?? fieldId(value);
    if (id) return id;
  }
  return undefined;
}
