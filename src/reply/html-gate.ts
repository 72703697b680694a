import { FORWARD, matchPhrase, ORIGINAL_MESSAGE } from './quote-headers.js';
import { isSentFromLine, mayBeSentFromStart, SENT_FROM_MAX_LENGTH } from './signature.js';

/**
 * A string-level test that the HTML splitter (src/reply/html.ts) would find nothing: no quote
 * boundary, no forward, no signature. Most mail HTML (newsletters, notifications, a first message)
 * has none, and building the DOM to learn that was about a tenth of the replay's CPU
 * (docs/benchmarks.md). The test is conservative: `true` only when every rule of the DOM walk is
 * certain not to fire; anything it cannot rule out sends the mail through the DOM walk.
 *
 * It reads the SANITISED HtmlBody, whose shape src/body/sanitize.ts guarantees: every `<` of text
 * and of attribute values is written `&lt;` and every `>` in attribute values `&gt;`, so tags are
 * exactly the `<...>` runs and the text between them is htmlparser2's text nodes (with
 * `decodeEntities: false`, which the splitter uses). A `<` that does not open a tag, end tag or
 * comment makes the test give up.
 *
 * What each DOM rule needs, and the check here that rules it out:
 * - marker classes and ids (Gmail, Thunderbird, Outlook, Yahoo, Zimbra, signature markers): the
 *   prefixed name appears in the markup;
 * - `<hr>` and `<blockquote>` rules: the tag appears;
 * - Outlook desktop's border-top block: `border-top` appears (any case);
 * - a text node that is a forward or "Original Message" line: each text run is matched as the
 *   walk matches a text node;
 * - a `<div>`/`<p>` whose one line is "Sent from my ...": its line is text between block
 *   boundaries (style skipped), joined node by node as the walk joins it; every such line, and
 *   every prefix of one at a text-node boundary (the walk may stop early), is tested.
 */
export function certainlyNoSplit(html: string, blockTags: ReadonlySet<string>): boolean {
  if (MARKERS.test(html)) return false;
  let line = '';
  // Once a line cannot become a "Sent from my ..." line, no text node appended to it before the
  // next block boundary can make it one: stop joining it. That is when its start fits none of the
  // lines' first words, or when it is longer than any such line (joining every text node of a long
  // line and testing the whole line each time was quadratic in the line's length).
  let lineDead = false;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    const textEnd = lt < 0 ? html.length : lt;
    // Most text runs need nothing: their line is dead and they do not end as a phrase can. Those
    // are ruled out from character codes, without slicing the run.
    const last = lastNonSpaceCode(html, i, textEnd); // -1 for an empty run
    const phraseEnd = last === COLON || last === DASH || last === SEMICOLON;
    if (textEnd > i && (phraseEnd || !lineDead)) {
      const text = html.slice(i, textEnd);
      let decoded: string | undefined;
      // A forward or "Original Message" line ends in ":" or "-" (matchPhrase); decoding only
      // rewrites entities, which end in ";", and no-break spaces, which trimming removes.
      if (phraseEnd) {
        decoded = decodeForMatch(text);
        const t = decoded.trim();
        if (t.length > 0 && t.length < 100 && (matchPhrase(FORWARD, t) || matchPhrase(ORIGINAL_MESSAGE, t)))
          return false;
      }
      // A fresh line whose first character fits no first word is dead before any decoding ("&"
      // may be an entity for any letter).
      if (!lineDead && line.trim() === '') {
        const c = firstNonSpace(text);
        if (c !== '' && c !== '&' && !mayBeSentFromStart(c)) lineDead = true;
      }
      if (!lineDead) {
        line += (decoded ?? decodeForMatch(text)).replace(/\s+/g, ' ');
        const start = line.trimStart();
        if (start.length > 0 && !mayBeSentFromStart(start)) lineDead = true;
        else if (isSentFromLine(line)) return false;
        // whitespace is collapsed, so trimming removes at most one character at each end
        else lineDead = line.length >= SENT_FROM_MAX_LENGTH + 2;
      }
    }
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      if (end < 0) return false;
      i = end + 3;
      continue;
    }
    // `<`, an optional `/`, then a name: [a-zA-Z][a-zA-Z0-9-]* (read by character code: a regex
    // exec, its match array and a lower-cased copy for every tag were a third of the gate's time)
    let p = lt + 1;
    const closing = html.charCodeAt(p) === SLASH;
    if (closing) p++;
    const nameStart = p;
    let c = html.charCodeAt(p);
    if (!isAsciiLetter(c)) return false; // a `<` that is not a tag: not the sanitiser's shape
    let upper = false;
    do {
      if (c <= 0x5a && c >= 0x41) upper = true;
      c = html.charCodeAt(++p);
    } while (isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === DASH);
    const end = html.indexOf('>', p);
    if (end < 0) return false;
    const raw = html.slice(nameStart, p);
    const name = upper ? raw.toLowerCase() : raw;
    if (name === 'style' && !closing) {
      // the walk skips <style> with its text; its content is not part of any line
      STYLE_CLOSE.lastIndex = end;
      const close = STYLE_CLOSE.exec(html);
      if (!close) return false;
      i = close.index;
      continue;
    }
    if (blockTags.has(name)) {
      line = '';
      lineDead = false;
    }
    i = end + 1;
  }
  return true;
}

// The last characters a text run can have when its decoded, trimmed text ends in ":" or "-" (";"
// ends an entity); DASH is also a tag-name character.
const COLON = 0x3a;
const DASH = 0x2d;
const SEMICOLON = 0x3b;
/** The `/` of a closing tag. */
const SLASH = 0x2f;

/** The code of the last character of `s[from, to)` that String#trim would keep (-1 if none). */
function lastNonSpaceCode(s: string, from: number, to: number): number {
  for (let k = to - 1; k >= from; k--) {
    const c = s.charCodeAt(k);
    if (!isTrimSpace(c)) return c;
  }
  return -1;
}

/** ECMAScript WhiteSpace and LineTerminator (ECMA-262 12.2, 12.3): what String#trim removes. */
export function isTrimSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/** The first character of `s` that String#trim would keep ('' when there is none). */
function firstNonSpace(s: string): string {
  return s.trimStart().charAt(0);
}

/** Tags of the markers and rules above; `m2t-` is the sanitiser's class and id prefix. */
const MARKERS =
  /<(?:hr|blockquote)\b|border-top|m2t-(?:gmail_quote|gmail_signature|moz-|divRplyFwdMsg|OLK_SRC_BODY_SECTION|yahoo_quoted|zwchr|Signature|ms-outlook-mobile-signature)/i;

const STYLE_CLOSE = /<\/style/gi;

/** The splitter's entity decoding for matching (src/reply/html.ts `decode`), same steps. */
export function decodeForMatch(s: string): string {
  if (!s.includes('&') && !s.includes('\u00a0')) return s;
  return s
    .replace(/&nbsp;|&#160;|&#xa0;/gi, ' ')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#39;|&apos;/gi, "'")
    .replace(/&#(\d{1,7});/g, (_, d) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, h) =>
      String.fromCodePoint(Math.min(Number.parseInt(h, 16), 0x10ffff)),
    )
    .replace(/&amp;/gi, '&')
    .replace(/\u00a0/g, ' ');
}
