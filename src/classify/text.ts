/**
 * Small text helpers shared by the classifier modules. Pure functions over strings and ParsedMail.
 */
import type { ParsedMail } from '../types.js';

/** Crude HTML-to-text for wording checks only (never shown to anyone). */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|tr|li|h\d|table)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&amp;/gi, '&')
    .replace(/[ \t]+\n/g, '\n');
}

/** The mail's readable body: the text part, else the HTML part reduced to text. CRLF normalised. */
export function bodyText(mail: ParsedMail): string {
  const t = mail.text?.trim() ? mail.text : mail.html ? htmlToPlain(mail.html) : (mail.text ?? '');
  return t.replace(/\r\n?/g, '\n');
}

/** RFC 5321 mailbox, loosely: enough to find addresses in bounce prose without swallowing punctuation. */
export const ADDRESS_SOURCE =
  "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9-]+)+";

const ADDRESS_RE = new RegExp(ADDRESS_SOURCE, 'g');

/** Addresses in a piece of text, in order of appearance, without duplicates. */
export function findAddresses(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(ADDRESS_RE)) {
    const a = cleanAddress(m[0]);
    if (a && !out.some((x) => x.toLowerCase() === a.toLowerCase())) out.push(a);
  }
  return out;
}

/** Strip brackets, quotes, "rfc822;" prefixes and trailing dots from one address. */
export function cleanAddress(raw: string): string {
  let a = raw.trim().replace(/^(rfc822|utf-8|x400|unknown)\s*;\s*/i, '');
  const angle = /<([^<>]*@[^<>]*)>/.exec(a);
  if (angle) a = angle[1]!;
  a = a.replace(/^["'([<]+|["')\]>.,:;]+$/g, '').trim();
  if (a.startsWith('mailto:')) a = a.slice(7);
  return a.includes('@') ? a : '';
}

/** Addresses that are mail systems, not recipients. */
export function isSystemAddress(address: string): boolean {
  return /^(mailer-daemon|postmaster|mail-daemon|maildaemon|mailerdaemon|nobody|root|double-bounce)@/i.test(
    address,
  );
}

/**
 * A phrase table compiled once into one case-insensitive RegExp that matches where any entry
 * does. Each entry is a regular-expression fragment, mostly a plain phrase with at most an
 * optional word or alternative spelling, written one per line with its source, as go-sisimai's
 * reason/*.go lists are.
 */
export function phrases(entries: readonly string[]): RegExp {
  return new RegExp(entries.join('|'), 'i');
}

/** Collapse runs of whitespace to single spaces. */
export function squash(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** Unfold RFC 5322 style continuation lines ("\n" followed by blank) into single lines. */
export function unfold(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(/\n[ \t]+/g, ' ');
}
