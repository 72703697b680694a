import type { Limits } from '../limits.js';
import type { ParsedMail } from '../types.js';
import { truncationNote } from './body-limits.js';
import type { BodyConfig } from './config-schema.js';
import { htmlToText } from './html-text.js';
import { sanitizeHtmlBody } from './sanitize.js';

export type { BodyConfig } from './config-schema.js';

export interface RenderedBodies {
  type: 'Html' | 'Plain';
  body: string;
  htmlBody: string;
  notes: string[];
}

/**
 * Body and HtmlBody for one mail. Pure: no I/O, same input gives the same output.
 * Body is the text part when the mail has one (the sender's own plain rendering is the most faithful),
 * else the HTML converted to text; HtmlBody is the HTML made safe to render inside SuperOffice.
 * Every truncation or removal an agent should know about is listed in `notes`.
 */
export function renderBodies(mail: ParsedMail, opts: { body: BodyConfig; limits: Limits }): RenderedBodies {
  const notes: string[] = [];
  let htmlBody = '';
  let flattened = false;
  if (mail.html !== undefined) {
    const s = sanitizeHtmlBody(mail.html, mail.inlineImages ?? [], opts);
    htmlBody = s.html;
    flattened = s.flattened;
    notes.push(...s.notes);
  }
  let body: string;
  if (mail.text !== undefined && mail.text.trim() !== '') {
    body = mail.text;
  } else if (mail.html !== undefined) {
    // A nesting bomb is converted from its flattened, sanitized form: html-to-text stops at the
    // same depth limit and would lose the text below it.
    const t = htmlToText(flattened ? htmlBody : mail.html, opts.limits);
    body = t.text;
    notes.push(...t.notes);
  } else {
    body = mail.text ?? '';
  }
  const max = opts.limits.maxBodyChars;
  if (body.length > max) {
    notes.push(`Body truncated at ${max} characters (limit maxBodyChars)`);
    body = `${body.slice(0, max)}\n\n${truncationNote('text', max)}`;
  }
  return { type: mail.html !== undefined ? 'Html' : 'Plain', body, htmlBody, notes };
}
