/**
 * Message-Id lists as real mail writes them (pure, no I/O).
 *
 * RFC 5322 §3.6.4 says In-Reply-To and References are lists of `<id-left@id-right>` separated by
 * optional folding white space. What arrives in practice (and what this parser accepts):
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
 *
 * Ids are compared exactly after trimming whitespace and brackets: the local part is
 * case-sensitive (RFC 5322 §3.6.4 "id-left"), and two threads whose ids differ only in case are
 * two threads.
 */

/** `abc@host` (no brackets, no surrounding space): the key used to compare ids. */
export function normalizeMessageId(id: string): string {
  let s = id.trim();
  if (s.startsWith('<')) s = s.slice(1);
  if (s.endsWith('>')) s = s.slice(0, -1);
  return s.trim();
}

/** The canonical stored form `<abc@host>` of an id given with or without brackets. */
export function formatMessageId(id: string): string {
  return `<${normalizeMessageId(id)}>`;
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
 * Parse an In-Reply-To or References value into canonical `<id>` forms, oldest first (header
 * order), deduplicated (first occurrence wins), keeping only the newest `max` ids.
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
    const key = normalizeMessageId(k);
    if (key.length === 0 || seen.has(key)) continue;
    seen.add(key);
    out.push(`<${key}>`);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/**
 * The canonical form of a single Message-Id header value (which may carry a comment or stray
 * text): the first id found, else the trimmed value in brackets; undefined for an empty value.
 */
export function canonicalMessageId(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const first = parseMessageIdList(raw, Number.MAX_SAFE_INTEGER)[0];
  if (first) return first;
  const key = normalizeMessageId(raw);
  return key.length > 0 ? `<${key}>` : undefined;
}
