import { htmlToText } from '../body/html-text.js';
import { REPLY_MARK_CSS, SCOPE_CLASS } from '../body/css.js';
import type { Limits } from '../limits.js';
import type { MailKind, ReplyDecision } from '../types.js';
import { type HtmlSplit, newPartHtml, outerHtml, renderHtml, splitHtml } from './html.js';
import { looksLikeQuoteHeader } from './quote-headers.js';
import { nameWords } from './signature.js';
import { splitText, type TextSplit } from './text.js';

export type QuotedTextMode = 'keep' | 'mark' | 'strip';

export interface ReplyInput {
  kind: MailKind;
  subject: string;
  /** The From display name (a closing block counts as signature only with the sender's name). */
  senderName?: string;
  /** Body and HtmlBody as rendered (HtmlBody already sanitised; '' when the mail has no HTML). */
  body: string;
  htmlBody: string;
  /** True when the mail has a text part and Body is that part; false when Body came from the HTML. */
  bodyIsTextPart: boolean;
  mode: QuotedTextMode;
  limits: Limits;
}

export interface ReplyResult {
  decision: ReplyDecision;
  body: string;
  htmlBody: string;
  notes: string[];
}

/** Kinds that are a person's message; every other kind is a report and is never split. */
const SPLIT_KINDS = new Set<MailKind>(['message', 'auto-reply', 'out-of-office']);

const confident = (method: string) => method.startsWith('text:') || method.startsWith('html:');

/**
 * The new part of a mail, its signature and its quoted history, and Body/HtmlBody under
 * `body.quotedText`. Pure. A split is applied (`strip`) or shown (`mark`) only when it is
 * confident in every representation the mail has; otherwise the mail is kept whole and `method`
 * says why.
 */
export function splitReply(input: ReplyInput): ReplyResult {
  const { body, htmlBody } = input;
  const unchanged = { body, htmlBody, notes: [] as string[] };
  if (!SPLIT_KINDS.has(input.kind)) {
    return { ...unchanged, decision: { visibleText: body.trim(), method: `skipped:${input.kind}` } };
  }
  const ctx = { subject: input.subject, senderNames: nameWords(input.senderName) };
  const text = splitText(body, ctx);
  const html = htmlBody ? splitHtml(htmlBody, input.subject) : undefined;

  const decision =
    input.bodyIsTextPart || !html ? fromText(text, html) : fromHtml(html, text, body, input.limits);
  const splitOk = confident(decision.method) && (!html || confident(html.method));
  const textOk = !input.bodyIsTextPart || !html || confident(text.method);

  if (input.mode === 'keep') return { ...unchanged, decision };
  if (input.mode === 'mark') {
    if (!html || !(splitOk || (html.method === 'none' && html.signature.length > 0))) {
      return { ...unchanged, decision };
    }
    return { ...unchanged, htmlBody: withMarkStyle(renderHtml(html, 'mark')), decision };
  }
  // strip
  if (!decision.quoted) return { ...unchanged, decision };
  if (!splitOk || !textOk) {
    return {
      ...unchanged,
      decision,
      notes: [
        `body.quotedText=strip not applied: the split is not certain (${decision.method}${html ? `, html ${html.method}` : ''})`,
      ],
    };
  }
  const strippedHtml = html ? renderHtml(html, 'strip') : htmlBody;
  const strippedBody =
    input.bodyIsTextPart || !html
      ? [decision.visibleText, decision.signature].filter(Boolean).join('\n\n')
      : htmlToText(strippedHtml, input.limits).text;
  return {
    body: strippedBody,
    htmlBody: strippedHtml,
    decision,
    notes: [
      'quoted history removed (body.quotedText=strip); the full mail stays in the mailbox it was read from',
    ],
  };
}

function fromText(text: TextSplit, html: HtmlSplit | undefined): ReplyDecision {
  return {
    visibleText: text.visibleText,
    ...(text.signature ? { signature: text.signature } : {}),
    ...(text.quoted ? { quoted: text.quoted } : {}),
    method: text.method,
    ...(html ? { htmlMethod: html.method } : {}),
  };
}

/** HTML-only mail: Body is the HTML's text, so the HTML split decides and its text is recorded. */
function fromHtml(html: HtmlSplit, text: TextSplit, body: string, limits: Limits): ReplyDecision {
  if (!confident(html.method) && html.signature.length === 0) {
    return {
      ...fromText(text, undefined),
      method: html.method === 'none' ? text.method : html.method,
      htmlMethod: html.method,
    };
  }
  const visibleText = htmlToText(newPartHtml(html, false), limits).text;
  const withSig = htmlToText(newPartHtml(html, true), limits).text;
  const signature = withSig.startsWith(visibleText) ? withSig.slice(visibleText.length).trim() : '';
  const out: ReplyDecision = { visibleText, method: html.method, htmlMethod: html.method };
  if (signature) out.signature = signature;
  if (confident(html.method)) {
    const quotedText = htmlToText(outerHtml(html.quoted), limits).text;
    const firstLine =
      quotedText
        .split('\n')
        .find((l) => l.trim() !== '')
        ?.trim() ?? '';
    const from = text.quoted?.from ?? body.indexOf(firstLine.replace(/^>\s*/, ''));
    out.quoted = {
      from: from >= 0 ? from : null,
      ...(looksLikeQuoteHeader(firstLine) ? { header: firstLine } : {}),
    };
  }
  if (!confident(html.method)) out.method = 'none';
  return out;
}

/** Put the muted styles for `mark` into the mail's scoped style block (or give it one). */
function withMarkStyle(html: string): string {
  const open = `<div class="${SCOPE_CLASS}"><style>`;
  if (html.startsWith(open)) return `${open}${REPLY_MARK_CSS}\n${html.slice(open.length)}`;
  return `${open}${REPLY_MARK_CSS}</style>${html}</div>`;
}
