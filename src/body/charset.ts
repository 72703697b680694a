import iconv from 'iconv-lite';
import { decodeIso2022Jp } from './iso2022jp.js';

/**
 * Bytes -> text for mail bodies and encoded-word headers, following what mail clients actually
 * have to do rather than what labels claim (WHATWG Encoding Standard label handling, plus the
 * mail-specific repairs Thunderbird and Outlook make):
 *
 * - no charset, us-ascii, utf-8 and unknown labels: UTF-8 where the bytes are valid UTF-8,
 *   windows-1252 byte by byte elsewhere. Unlabelled 8-bit mail is overwhelmingly one of the two,
 *   and mixing happens (a UTF-8 quote inside a windows-1252 reply), so this never emits U+FFFD;
 * - labels of a charset whose superset is what senders really emit are decoded with the superset
 *   (ISO-8859-1 -> windows-1252 exactly as browsers do, GB2312 -> GB18030, EUC-KR -> CP949,
 *   Shift_JIS -> CP932, Big5 -> Big5-HKSCS, TIS-620 -> windows-874);
 * - ISO-2022-JP and its extensions by our own decoder (iso2022jp.ts);
 * - UTF-7 (RFC 2152) is decoded. The well-known danger of UTF-7 is a browser that *sniffs* it:
 *   `+ADw-script+AD4-` is `<script>` to a page read as UTF-7 but passes byte filters looking
 *   for `<`. Here the bytes are decoded into text before anything else looks at them, so the
 *   sanitizer and the text converter see the real `<script>`, and our output is UTF-8 and never
 *   labelled or sniffable as UTF-7. Left undecoded, a UTF-7 mail shows as `+APw-ber`. Modified
 *   UTF-7 (RFC 3501 `utf-7-imap`, for mailbox names only) is still refused;
 * - a declared charset that yields U+FFFD on bytes that are valid UTF-8 was a wrong label: UTF-8.
 */

/** Sentinel charset label set on parts that declared none (or ascii/utf-8); see mailparser-options.ts. */
export const AUTO_CHARSET = 'x-mail2ticket-auto';

const AUTO = new Set([
  '',
  AUTO_CHARSET,
  'ascii',
  'us-ascii',
  'usascii',
  'utf-8',
  'utf8',
  '7bit',
  '8bit',
  'unknown',
]);
const REFUSED = /^utf-?7-?imap$|^base64$|^hex$/;
/** UTF-7 labels: `utf-7`, IANA's `unicode-1-1-utf-7` / `csUnicode11UTF7`, and our relabel. */
const UTF7 = /^(?:(?:cs)?unicode-?1-?1-?)?utf-?7$|^x-mail2ticket-utf-7$/;

/** Label set on parts declared UTF-7, which mailparser would refuse to hand to its Iconv hook. */
export const UTF7_CHARSET = 'x-mail2ticket-utf-7';

/** Is this a UTF-7 label (RFC 2152; not IMAP's modified UTF-7)? */
export function isUtf7Label(label: string | undefined | null): boolean {
  return UTF7.test(normaliseLabel(label).replace(/_/g, '-'));
}
const ISO2022JP = /^(?:cs)?iso-?2022-?jp|^(?:x-)?cp5022[012]$|^jis$|^x-?jis/;

const SUPERSETS: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  iso88591: 'windows-1252',
  'iso_8859-1': 'windows-1252',
  latin1: 'windows-1252',
  l1: 'windows-1252',
  'iso-8859-9': 'windows-1254',
  'iso-8859-11': 'windows-874',
  'tis-620': 'windows-874',
  gb2312: 'gb18030',
  gbk: 'gb18030',
  'euc-cn': 'gb18030',
  'x-gbk': 'gb18030',
  'ks_c_5601-1987': 'cp949',
  'euc-kr': 'cp949',
  shift_jis: 'cp932',
  'shift-jis': 'cp932',
  sjis: 'cp932',
  'x-sjis': 'cp932',
  'windows-31j': 'cp932',
  big5: 'big5hkscs',
  'x-mac-roman': 'macintosh',
};

/** WHATWG windows-1252 for 0x80-0x9F (the five unassigned bytes map to the C1 code point). */
const CP1252_C1 =
  '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function cp1252Char(b: number): string {
  return b >= 0x80 && b <= 0x9f ? CP1252_C1[b - 0x80]! : String.fromCharCode(b);
}

/** Length of the valid UTF-8 sequence starting at i (RFC 3629 ranges), or 0 when invalid. */
function utf8SeqLength(buf: Uint8Array, i: number): number {
  const b = buf[i]!;
  const c = (k: number, lo = 0x80, hi = 0xbf) => {
    const x = buf[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (b >= 0xc2 && b <= 0xdf) return c(1) ? 2 : 0;
  if (b === 0xe0) return c(1, 0xa0) && c(2) ? 3 : 0;
  if (b === 0xed) return c(1, 0x80, 0x9f) && c(2) ? 3 : 0;
  if (b >= 0xe1 && b <= 0xef) return c(1) && c(2) ? 3 : 0;
  if (b === 0xf0) return c(1, 0x90) && c(2) && c(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return c(1) && c(2) && c(3) ? 4 : 0;
  if (b === 0xf4) return c(1, 0x80, 0x8f) && c(2) && c(3) ? 4 : 0;
  return 0;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function isValidUtf8(buf: Uint8Array): boolean {
  try {
    strictUtf8.decode(buf);
    return true;
  } catch {
    return false;
  }
}

/** UTF-8 where valid, windows-1252 byte by byte elsewhere. Never produces U+FFFD. */
export function decodeUtf8OrCp1252(buf: Uint8Array): string {
  try {
    return strictUtf8.decode(buf);
  } catch {
    // mixed or legacy bytes: walk them
  }
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  while (i < buf.length) {
    if (buf[i]! < 0x80) {
      i++;
      continue;
    }
    const n = utf8SeqLength(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > start) parts.push(b.toString('utf8', start, i));
    parts.push(cp1252Char(buf[i]!));
    i++;
    start = i;
  }
  if (start < buf.length) parts.push(b.toString('utf8', start));
  return parts.join('');
}

/** Normalise a charset label as written in a Content-Type or encoded-word (quotes, RFC 2231 language). */
export function normaliseLabel(label: string | undefined | null): string {
  return (label ?? '')
    .trim()
    .replace(/^["']|["']$/g, '')
    .replace(/\*.*$/, '')
    .toLowerCase();
}

export interface DecodedText {
  text: string;
  /** The decoder actually used, e.g. "windows-1252 (labelled iso-8859-1)". */
  used: string;
}

/** Decode bytes labelled with `label` (possibly missing, wrong or unknown). */
export function decodeBytes(buf: Uint8Array, label: string | undefined | null): DecodedText {
  const name = normaliseLabel(label);
  if (AUTO.has(name) || REFUSED.test(name))
    return { text: decodeUtf8OrCp1252(buf), used: 'utf-8/windows-1252' };
  let text: string;
  let used: string;
  if (ISO2022JP.test(name)) {
    text = decodeIso2022Jp(buf);
    used = 'iso-2022-jp';
  } else if (UTF7.test(name)) {
    // RFC 2152 is 7-bit; 8-bit bytes mean the label was wrong: read them as the fallback does.
    if (buf.some((b) => b >= 0x80))
      return { text: decodeUtf8OrCp1252(buf), used: `utf-8/windows-1252 (mislabelled ${name})` };
    text = iconv.decode(Buffer.from(buf), 'utf-7');
    used = 'utf-7';
  } else {
    const real = SUPERSETS[name] ?? name;
    if (!iconv.encodingExists(real))
      return { text: decodeUtf8OrCp1252(buf), used: `utf-8/windows-1252 (unknown ${name})` };
    text =
      real === 'windows-1252'
        ? Buffer.from(buf)
            .toString('latin1')
            .replace(/[\x80-\x9f]/g, (c) => cp1252Char(c.charCodeAt(0)))
        : iconv.decode(Buffer.from(buf), real);
    used = real === name ? real : `${real} (labelled ${name})`;
  }
  // A wrong label: the declared charset could not decode the bytes, but they are valid UTF-8.
  if (text.includes('\ufffd') && isValidUtf8(buf) && !strictUtf8.decode(buf).includes('\ufffd')) {
    return { text: strictUtf8.decode(buf), used: `utf-8 (mislabelled ${name})` };
  }
  return { text, used };
}
