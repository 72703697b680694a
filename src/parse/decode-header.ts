import { decodeBytes } from '../body/charset.js';

/**
 * RFC 2047 decoding of one unfolded header value, robust to what senders really write:
 * - adjacent encoded-words separated only by whitespace are joined (RFC 2047 6.2), and their bytes
 *   are concatenated *before* charset decoding when they share a charset, so a multi-byte character
 *   (UTF-8, Shift_JIS) or an ISO-2022-JP escape state split across two words survives;
 * - the charset goes through src/body/charset.ts: a missing/unknown/utf-8 label that does not fit
 *   the bytes falls back to windows-1252 per byte, ISO-8859-1 is read as windows-1252, GB2312 as
 *   GB18030, ISO-2022-JP with its extensions; RFC 2231 language suffixes (`utf-8*en`) are ignored;
 * - raw 8-bit header text that the header reader decoded as Latin-1 (its fallback for non-UTF-8
 *   bytes) has its C1 range read as windows-1252, which is what such bytes are in practice.
 */

const ENCODED_WORD = /=\?([^?\s]{1,75})\?([bBqQ])\?([^?\s]*)\?=/g;

const C1_AS_CP1252 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function wordBytes(encoding: string, text: string): Buffer {
  if (encoding === 'b' || encoding === 'B') return Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

export function decodeHeaderValue(raw: string): string {
  // C1 controls never appear in real header text; here they are windows-1252 bytes read as Latin-1.
  const value = raw.replace(/[\u0080-\u009f]/g, (c) => C1_AS_CP1252[c.charCodeAt(0) - 0x80]!);
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let pending: { charset: string; bytes: Buffer[] } | undefined;
  const flush = () => {
    if (pending) out += decodeBytes(Buffer.concat(pending.bytes), pending.charset).text;
    pending = undefined;
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index);
    // whitespace between two encoded-words is not part of the text (RFC 2047 6.2)
    if (!(pending && /^\s*$/.test(between))) {
      flush();
      out += between;
    }
    const charset = m[1]!.replace(/\*.*$/, '').toLowerCase();
    const bytes = wordBytes(m[2]!, m[3]!);
    if (pending && pending.charset === charset) pending.bytes.push(bytes);
    else {
      flush();
      pending = { charset, bytes: [bytes] };
    }
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}
