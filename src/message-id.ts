/**
 * Message-Ids (RFC 5322 §3.6.4), pure: no I/O, no state.
 *
 * RFC 5322 §3.6.4 writes an id as `msg-id = [CFWS] "<" id-left "@" id-right ">" [CFWS]`; the Message-Id
 * field holds one, In-Reply-To and References hold a list. This module is the one place that reads and
 * writes them, in two forms, and every function's name says which form it returns:
 *  - bracketed `<a@b>`: the msg-id as the RFC writes it; what threading stores and compares and what a
 *    bounce reports as the original's id;
 *  - bare `a@b`: the id without its brackets; what the daemon's state keys done mails by, and the
 *    second spelling tried against SuperOffice (which does not document which one it stores).
 * One convention: a function returns `undefined` when there is no id (empty, only white space or
 * `<>`), never `''` or `<>`.
 *
 * Ids are compared exactly once brackets and surrounding white space are gone: id-left is
 * case-sensitive (RFC 5322 §3.6.4), so two ids that differ only in case are two ids.
 */
import { createHash } from 'node:crypto';

/**
 * `a@b` from `<a@b>`, `a@b`, ` < a@b > ` or a lone bracket (`<a@b`): surrounding white space and a
 * leading `<` and/or trailing `>` removed. The key under which ids compare. Undefined when empty.
 */
export function bareMessageId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let s = raw.trim();
  if (s.startsWith('<')) s = s.slice(1);
  if (s.endsWith('>')) s = s.slice(0, -1);
  s = s.trim();
  return s === '' ? undefined : s;
}

/**
 * A spelling as a server stored it, made bare: trimmed, and one enclosing `<…>` pair removed only
 * when both brackets are there; nothing else is touched (no inner white space trimmed, a lone
 * bracket kept). For comparing stored spellings bracket-insensitively but otherwise exactly, where
 * bareMessageId's leniency would match spellings the server itself keeps apart. Undefined when empty.
 */
export function bareMessageIdSpelling(raw: string): string | undefined {
  const s = raw.trim().replace(/^<(.*)>$/s, '$1');
  return s === '' ? undefined : s;
}

/** Remove RFC 5322 comments (nested, with quoted-pairs) outside quoted strings and brackets. */
function stripComments(raw: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      // quoted-pair: the next character is literal (and stays inside the comment if in one)
      if (depth === 0) out += c + (raw[i + 1] ?? '');
      i++;
      continue;
    }
    if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === '(' && !quoted) {
      depth = 1;
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Read the bracketed ids of `text` (comments already removed). Whitespace inside brackets is
 * folding, not content (outside a quoted local part), so it is dropped. Returns ids as keys
 * (no brackets) and whether any bracket was seen.
 */
function bracketedIds(text: string): { ids: string[]; sawBracket: boolean } {
  const ids: string[] = [];
  let sawBracket = false;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('<', i);
    if (open < 0) break;
    sawBracket = true;
    let id = '';
    let quoted = false;
    let j = open + 1;
    let closed = false;
    for (; j < text.length; j++) {
      const c = text[j]!;
      if (c === '\\' && quoted) {
        id += c + (text[j + 1] ?? '');
        j++;
        continue;
      }
      if (c === '"') quoted = !quoted;
      if (!quoted && c === '>') {
        closed = true;
        break;
      }
      // a new '<' before '>' means the previous id was cut short: restart there
      if (!quoted && c === '<') break;
      if (!quoted && /\s/.test(c)) continue;
      id += c;
    }
    if (closed && id.length > 0) ids.push(id);
    i = closed ? j + 1 : j;
  }
  return { ids, sawBracket };
}

/**
 * An In-Reply-To or References value as bracketed `<id>`s, oldest first (header order),
 * deduplicated (first occurrence wins), keeping only the newest `max` ids.
 *
 * RFC 5322 §3.6.4 says these fields are lists of msg-ids separated by optional folding white space.
 * What arrives in practice (and what this parser accepts):
 *  - folded over several lines (CRLF + WSP), sometimes folded *inside* an id;
 *  - comments `(...)`, nested, with quoted-pairs (RFC 5322 CFWS), e.g. `<a@b> (Joe's message)`;
 *  - ids without angle brackets (`a@b c@d`), or separated by commas (Outlook, some webmails);
 *  - ids written back to back without any separator (`<a@b><c@d>`);
 *  - RFC 822 phrases in In-Reply-To (`Your message of "Mon, 1 Jan" <a@b>`): when any id in the
 *    field has brackets, only bracketed ids count, so phrase words never become ids;
 *  - the same id repeated (first occurrence kept);
 *  - a header truncated mid-id (`<a@b> <c@` — the unterminated id is dropped: it can never match
 *    exactly, and a prefix match would attach the mail to a stranger's thread);
 *  - hundreds of ids: only the newest `max` are kept (the list is oldest first, so the tail).
 */
export function parseMessageIdList(raw: string | undefined, max: number): string[] {
  if (!raw || max < 1) return [];
  const text = stripComments(raw.replace(/\r?\n(?=[ \t])/g, '').replace(/\r?\n/g, ' '));
  const { ids: inBrackets, sawBracket } = bracketedIds(text);
  let keys = inBrackets;
  if (!sawBracket) {
    // No brackets anywhere: bare ids separated by white space or commas; a token must look like
    // an addr-spec (contain '@') so that phrase words are not taken for ids.
    keys = text.split(/[\s,]+/).filter((t) => t.includes('@') && !t.startsWith('@') && !t.endsWith('@'));
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const k of keys) {
    const key = bareMessageId(k);
    if (key === undefined || seen.has(key)) continue;
    seen.add(key);
    out.push(`<${key}>`);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/**
 * `<a@b>` from a single Message-Id field value (which may carry a comment, folding or stray text,
 * RFC 5322 §3.6.4 `[CFWS] msg-id [CFWS]`): the first id parseMessageIdList finds, else the whole
 * value made bare and put in brackets (an id without '@' is still the mail's id). Undefined when empty.
 */
export function bracketedMessageId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const first = parseMessageIdList(raw, Number.MAX_SAFE_INTEGER)[0];
  if (first) return first;
  const bare = bareMessageId(raw);
  return bare === undefined ? undefined : `<${bare}>`;
}

const BRACKETED_IN_TEXT = /<[^<>\s]+@[^<>\s]+>/;
const BARE_IN_TEXT = /[^<>\s"]+@[^<>\s"]+/;

/**
 * `<a@b>` for the first thing in a line of text that looks like a msg-id (RFC 5322 §3.6.4
 * `id-left "@" id-right`): a bracketed `<a@b>` anywhere, else a bare `a@b` token without the
 * sentence punctuation (`.,;`) that follows it in prose. Stricter than bracketedMessageId, for text
 * that is not a Message-Id field (a bounce's body, a quoted header line, a JSON notification):
 * undefined unless an id with an '@' is found.
 */
export function bracketedMessageIdInText(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const bracketed = BRACKETED_IN_TEXT.exec(text);
  if (bracketed) return bracketed[0];
  const bare = BARE_IN_TEXT.exec(text.trim());
  return bare ? `<${bare[0].replace(/[.,;]+$/, '')}>` : undefined;
}

/**
 * `<hash@mail2ticket.invalid>`: a stable id for mail that has none. RFC 5322 §3.6.4 only says a
 * message SHOULD have a Message-Id; without one, repeat deliveries must still map to the same id, so
 * it is a hash of the header block (not time or randomness), in the msg-id form, under the reserved
 * `.invalid` TLD (RFC 2606) so it can never collide with a real host's ids.
 */
export function derivedMessageId(headerBlock: string): string {
  const hash = createHash('sha256').update(headerBlock).digest('hex').slice(0, 32);
  return `<${hash}@mail2ticket.invalid>`;
}

/**
 * The id a mail is known by: its Message-Id field as written (trimmed: normally bracketed, but
 * possibly bare or with a comment — it is what SuperOffice is given and matched by), or the derived one.
 */
export function messageIdOf(mail: { messageId?: string | undefined; headerBlock: string }): string {
  return mail.messageId || derivedMessageId(mail.headerBlock);
}
