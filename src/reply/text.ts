import {
  ATTRIBUTION,
  FORWARD,
  forwardSubject,
  fromLabelLang,
  matchPhrase,
  ORIGINAL_MESSAGE,
  outlookBlockAt,
} from './quote-headers.js';
import { findSignature } from './signature.js';

/**
 * The plain-text splitter: which lines of a text body are new, which are quoted history, which are
 * the signature. Pure. Quoted history starts at the earliest reliable boundary: an attribution line
 * ("On ... wrote:"), Outlook's "-----Original Message-----" or From/Sent/To/Subject block, or `>`
 * quoting. A forward marker first means the rest is the forwarded message, i.e. content.
 */

export interface TextSplit {
  /** `text:...` when the split is confident, `none` / `none:forward` when nothing is quoted,
   * `uncertain:...` when something looks quoted but the mail is kept whole. */
  method: string;
  visibleText: string;
  signature?: string;
  quoted?: { from: number | null; header?: string };
}

export interface SplitContext {
  subject: string;
  /** Words of the sender's display name (a closing block needs one of them). */
  senderNames: readonly string[];
}

/** RFC 3676 §4.5 quoting, as every client writes it: ">" at the line start (nested: ">>", "> >"). */
export const QUOTED_LINE = /^[ \t]{0,3}>/;
/** Outlook (desktop and OWA) draws a line of underscores above its header block in plain text. */
const RULE_LINE = /^\s*_{10,}\s*$/;

type Boundary =
  | { kind: 'forward' }
  | { kind: 'attribution' | 'original' | 'outlook'; at: number; span: number; lang: string; header: string };

const isBlank = (l: string | undefined) => (l ?? '').trim() === '';
const isQuoted = (l: string | undefined) => QUOTED_LINE.test(l ?? '');

function nextNonBlank(lines: readonly string[], i: number): number {
  let k = i;
  while (k < lines.length && isBlank(lines[k])) k++;
  return k;
}

/** An attribution line at `i`, on one line or wrapped over two or three (Gmail, Apple Mail). */
function attributionAt(
  lines: readonly string[],
  i: number,
): { span: number; lang: string; header: string } | undefined {
  let joined = '';
  for (let span = 1; span <= 3 && i + span - 1 < lines.length; span++) {
    const line = lines[i + span - 1] ?? '';
    if (isBlank(line) || isQuoted(line)) return undefined;
    joined = span === 1 ? line.trim() : `${joined} ${line.trim()}`;
    const p = matchPhrase(ATTRIBUTION, joined);
    if (!p) continue;
    // A date (digits) is part of every client's attribution; without one, or for the generic
    // shapes, only quoted lines right after it make it an attribution.
    const strong = !p.weak && /\d/.test(joined);
    if (!strong && !isQuoted(lines[nextNonBlank(lines, i + span)])) return undefined;
    return { span, lang: p.lang, header: joined };
  }
  return undefined;
}

function findBoundary(lines: readonly string[]): Boundary | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (isBlank(line) || isQuoted(line)) continue;
    if (matchPhrase(FORWARD, line)) return { kind: 'forward' };
    const orig = matchPhrase(ORIGINAL_MESSAGE, line);
    if (orig) return { kind: 'original', at: i, span: 1, lang: orig.lang, header: line.trim() };
    if (outlookBlockAt(lines, i)) {
      return { kind: 'outlook', at: i, span: 0, lang: fromLabelLang(line), header: line.trim() };
    }
    const a = attributionAt(lines, i);
    if (a) return { kind: 'attribution', at: i, ...a };
  }
  return undefined;
}

const METHOD_NAME = { attribution: 'quote-header', original: 'original-message', outlook: 'outlook-header' };

export function splitText(text: string, ctx: SplitContext): TextSplit {
  const lines = text.split(/\r?\n/);
  const offsets: number[] = [];
  let pos = 0;
  for (const l of lines) {
    offsets.push(pos);
    pos += l.length + (text[pos + l.length] === '\r' ? 2 : 1);
  }

  const boundary = findBoundary(lines);
  if (boundary?.kind === 'forward') return whole(lines, ctx, 'none:forward');
  if (boundary && boundary.kind !== 'attribution' && forwardSubject(ctx.subject)) {
    // Outlook writes the same block for a forward as for a reply; the subject tells them apart.
    return whole(lines, ctx, 'none:forward');
  }

  /** Per line: is it quoted history? */
  const quoted = lines.map((l) => isQuoted(l));
  let header: string | undefined;
  let method: string;
  if (boundary) {
    let start = boundary.at;
    if (boundary.at > 0 && RULE_LINE.test(lines[boundary.at - 1] ?? '')) start--;
    const afterHeader = boundary.at + boundary.span;
    header = boundary.header;
    method = `text:${METHOD_NAME[boundary.kind]}(${boundary.lang})`;
    if (boundary.kind === 'attribution' && isQuoted(lines[nextNonBlank(lines, afterHeader)])) {
      // The client prefixes its quote with ">": the header and the ">" lines are history, and text
      // between or after them is the answer (interleaved or bottom-posted), kept in order.
      for (let k = start; k < afterHeader; k++) quoted[k] = true;
    } else {
      // Outlook style: the history follows unprefixed, to the end of the mail.
      for (let k = start; k < lines.length; k++) quoted[k] = true;
    }
  } else {
    const q = lines.filter((l) => isQuoted(l));
    if (q.length === 0) return whole(lines, ctx, 'none');
    // One ">" line could be a sentence that starts with ">" (">5 GB free"); two or more, or one
    // written as clients quote ("> " with a space, RFC 3676 §4.5), are a quote.
    if (q.length < 2 && !/^[ \t]{0,3}>(?: |>|$)/.test(q[0] ?? ''))
      return whole(lines, ctx, 'uncertain:weak-quote');
    method = 'text:>-run';
  }

  const first = quoted.indexOf(true);
  let last = -1;
  quoted.forEach((q, k) => {
    if (q) last = k;
  });
  const newLines: string[] = [];
  for (let k = 0; k < lines.length; k++) if (!quoted[k]) newLines.push(lines[k] ?? '');
  const textAfter = lines.slice(last + 1).some((l) => !isBlank(l));
  const textBefore = lines.slice(0, first).some((l) => !isBlank(l));
  if (textAfter && textBefore) method += '+interleaved';
  else if (textAfter) method += '+bottom';

  const parts = separateSignature(newLines, ctx);
  if (parts.visibleText === '') {
    return {
      ...whole(lines, ctx, 'uncertain:empty-new-part'),
      quoted: { from: offsets[first] ?? 0, ...(header ? { header } : {}) },
    };
  }
  return { method, ...parts, quoted: { from: offsets[first] ?? 0, ...(header ? { header } : {}) } };
}

/** Collapse runs of blank lines left where quoted lines were removed, and trim. */
function tidyLines(lines: readonly string[]): string {
  return lines
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function separateSignature(
  lines: readonly string[],
  ctx: SplitContext,
): { visibleText: string; signature?: string } {
  const sig = findSignature(lines, ctx.senderNames);
  if (!sig) return { visibleText: tidyLines(lines) };
  const visibleText = tidyLines(lines.slice(0, sig.start));
  const signature = tidyLines(lines.slice(sig.start));
  return signature ? { visibleText, signature } : { visibleText };
}

/**
 * Nothing is split off: the whole text is the new part. Its signature is told apart only when the
 * end of the text is the sender's own (not for a forward, whose end is the forwarded mail's, nor
 * for an uncertain split, whose end may be quoted history).
 */
function whole(lines: readonly string[], ctx: SplitContext, method: string): TextSplit {
  if (method === 'none') return { method, ...separateSignature(lines, ctx) };
  return { method, visibleText: tidyLines(lines) };
}
