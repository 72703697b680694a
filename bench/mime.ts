import iconv from 'iconv-lite';

/** Small MIME encoders for the benchmark corpus (RFC 2045 base64 / quoted-printable, RFC 2047 words). */

/** Base64 in 76-column lines (RFC 2045 6.8). */
export function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\n');
}

/** Quoted-printable (RFC 2045 6.7) of bytes whose line breaks are LF. */
export function quotedPrintable(data: Buffer): string {
  const out: string[] = [];
  let line = '';
  const flush = (soft: boolean) => {
    out.push(soft ? `${line}=` : line);
    line = '';
  };
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0x0a) {
      // Trailing white space before a line break must be encoded (rule 3).
      if (line.endsWith(' ')) line = `${line.slice(0, -1)}=20`;
      flush(false);
      continue;
    }
    const safe = (b >= 33 && b <= 126 && b !== 61) || b === 32;
    const enc = safe ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + enc.length > 75) flush(true);
    line += enc;
  }
  if (line) out.push(line);
  return out.join('\n');
}

/** One RFC 2047 encoded word (B encoding) for text in `charset`. */
export function encodedWord(text: string, charset: string): string {
  return `=?${charset}?B?${encode(text, charset).toString('base64')}?=`;
}

/** RFC 2047 Q encoding, the form Outlook uses for Latin subjects. */
export function encodedWordQ(text: string, charset: string): string {
  const bytes = encode(text, charset);
  let s = '';
  for (const b of bytes) {
    if (b === 32) s += '_';
    else if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122))
      s += String.fromCharCode(b);
    else s += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `=?${charset}?Q?${s}?=`;
}

export function encode(text: string, charset: string): Buffer {
  return charset.toLowerCase() === 'iso-2022-jp' ? iso2022jp(text) : iconv.encode(text, charset);
}

/**
 * ISO-2022-JP (RFC 1468), which iconv-lite cannot encode: runs of JIS X 0208 characters are
 * EUC-JP bytes with the high bit cleared, between `ESC $ B` and `ESC ( B`.
 */
function iso2022jp(text: string): Buffer {
  const out: Buffer[] = [];
  for (const run of text.match(/[\x00-\x7f]+|[^\x00-\x7f]+/g) ?? []) {
    if (run.charCodeAt(0) < 0x80) {
      out.push(Buffer.from(run, 'ascii'));
      continue;
    }
    const euc = Buffer.from(iconv.encode(run, 'euc-jp').map((b) => b & 0x7f));
    out.push(Buffer.from('\x1b$B', 'latin1'), euc, Buffer.from('\x1b(B', 'latin1'));
  }
  return Buffer.concat(out);
}

/** A header block from name/value pairs (values already encoded), LF line ends. */
export function headerBlock(fields: [string, string][]): string {
  return fields.map(([n, v]) => `${n}: ${v}\n`).join('');
}

/** LF -> CRLF (mail as delivered over SMTP/IMAP); LF-only files are what Maildir tools write. */
export function toCrlf(buf: Buffer): Buffer {
  const s = buf.toString('latin1');
  return Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
}
