import iconv from 'iconv-lite';

/**
 * MIME encoders for synthetic mail: the fixture mails (scripts/make-fixture-mails.ts) and the
 * benchmark corpus (bench/corpus.ts) are both built with these, so the bytes are the ones a real
 * client would send. Not product code: the product only ever decodes.
 *
 * Output is text with "\n" line ends; callers turn it into CRLF (toCrlf) where the mail is meant to
 * look as it does on the wire. Input bytes are a Buffer or a "byte string" (one JS char per byte,
 * 0..255, as Buffer's 'latin1' encoding reads and writes them), the form the fixture templates use.
 */
export type Bytes = Buffer | string;

function toBuffer(data: Bytes): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
}

const hex = (byte: number) => `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;

// ---------------------------------------------------------------- charsets

/** `text` in `charset`; ISO-2022-JP by hand, since iconv-lite cannot encode it. */
export function encode(text: string, charset: string): Buffer {
  return charset.toLowerCase() === 'iso-2022-jp' ? iso2022jp(text) : iconv.encode(text, charset);
}

/** `text` in `charset` as a byte string, ready to be placed in a mail template. */
export function byteString(text: string, charset = 'utf-8'): string {
  return encode(text, charset).toString('latin1');
}

/**
 * ISO-2022-JP (RFC 1468): JIS X 0208 characters are the EUC-JP bytes minus 0x80, between
 * ESC $ B and ESC ( B (RFC 1468 requires the switch back to ASCII before the line or the text
 * ends). A character outside JIS X 0208 (half-width katakana, JIS X 0212) is refused.
 */
function iso2022jp(text: string): Buffer {
  let out = '';
  let jis = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) {
      if (jis) out += '\x1b(B';
      jis = false;
      out += ch;
      continue;
    }
    const euc = iconv.encode(ch, 'euc-jp');
    if (euc.length !== 2 || euc[0]! < 0xa1) throw new Error(`not in JIS X 0208: ${ch}`);
    if (!jis) out += '\x1b$B';
    jis = true;
    out += String.fromCharCode(euc[0]! - 0x80, euc[1]! - 0x80);
  }
  if (jis) out += '\x1b(B';
  return Buffer.from(out, 'latin1');
}

// ---------------------------------------------------------------- body encodings (RFC 2045)

/** Base64 in lines of 76 characters (RFC 2045 6.8: "no more than 76 characters"), joined by `eol`. */
export function base64Lines(data: Bytes, eol = '\n'): string {
  const b64 = toBuffer(data).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(eol);
}

/**
 * Quoted-printable (RFC 2045 6.7) of bytes whose line breaks are "\n"; each becomes a hard line
 * break of the output, so "a\n" encodes to "a\n".
 */
export function quotedPrintable(data: Bytes): string {
  const text = toBuffer(data).toString('latin1');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let cur = '';
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      let tok: string;
      // Rule (3): a space or tab is literal, except at the end of a line, where a transport may
      // strip it.
      if (c === 0x20 || c === 0x09) tok = i === line.length - 1 ? hex(c) : line[i]!;
      // Rule (2): printable ASCII stands for itself, except "=".
      else if (c >= 33 && c <= 126 && c !== 61) tok = line[i]!;
      // Rule (1): everything else as =XX, upper-case hex.
      else tok = hex(c);
      // Rule (5): encoded lines of at most 76 characters, the soft line break "=" included.
      if (cur.length + tok.length > 75) {
        out.push(`${cur}=`);
        cur = '';
      }
      cur += tok;
    }
    out.push(cur);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- header encodings (RFC 2047)

/** RFC 2047 2: "An 'encoded-word' may not be more than 75 characters long". */
const MAX_WORD = 75;

function wordB(text: string, charset: string): string {
  return `=?${charset}?B?${encode(text, charset).toString('base64')}?=`;
}

/**
 * `text` as RFC 2047 B encoded-words, folded onto continuation lines ("\n "). Each word holds
 * whole characters (RFC 2047 5: a character may not be split between words): `perChars` of them
 * where the caller picks the folding, else as many as fit in one word of 75 characters.
 */
export function encodedWordsB(text: string, charset = 'UTF-8', perChars?: number): string {
  const chars = [...text];
  const words: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = Math.min(chars.length, start + (perChars ?? 1));
    if (perChars === undefined) {
      while (end < chars.length && wordB(chars.slice(start, end + 1).join(''), charset).length <= MAX_WORD)
        end++;
    }
    const word = wordB(chars.slice(start, end).join(''), charset);
    if (word.length > MAX_WORD) throw new Error(`encoded-word over ${MAX_WORD} characters: ${word}`);
    words.push(word);
    start = end;
  }
  return words.join('\n ');
}

/**
 * `text` as one RFC 2047 Q encoded-word: space as "_" (4.2 (2)), and literal only the characters
 * RFC 2047 5 (3) allows in a phrase (letters, digits, "!*+-/"), so the word is valid in a display
 * name as well as in a Subject. One word: callers keep the text short.
 */
export function encodedWordQ(text: string, charset = 'UTF-8'): string {
  let enc = '';
  for (const b of encode(text, charset)) {
    if (b === 0x20) enc += '_';
    else if (/[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(b))) enc += String.fromCharCode(b);
    else enc += hex(b);
  }
  return `=?${charset}?Q?${enc}?=`;
}

// ---------------------------------------------------------------- whole mails

/** A header block from name/value pairs (values already encoded), "\n" line ends. */
export function headerBlock(fields: [string, string][]): string {
  return fields.map(([n, v]) => `${n}: ${v}\n`).join('');
}

/** "\n" -> CRLF (RFC 5322 2.1, mail as it travels over SMTP/IMAP); Maildir tools store LF. */
export function toCrlf(data: Buffer): Buffer {
  return Buffer.from(data.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
}
