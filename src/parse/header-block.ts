import { decodeHeaderValue } from './decode-header.js';
import type { HeaderField } from '../types.js';

/**
 * Helpers for the top-level header block, which we read from the raw bytes ourselves: mailparser
 * keeps only a parsed Map, but EmailHeader must be the block exactly as received (RFC 5322 2.2),
 * and threading needs repeated fields (Received, References) in order.
 */

/** Where the header block ends: the first empty line (CRLF CRLF or LF LF), or -1. */
export function findHeaderEnd(buf: Buffer, from = 0): { end: number; bodyStart: number } | undefined {
  for (let i = Math.max(0, from); i < buf.length; i++) {
    if (buf[i] !== 0x0a) continue;
    // "\n\n" or "\n\r\n"
    if (buf[i + 1] === 0x0a) return { end: i + 1, bodyStart: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { end: i + 1, bodyStart: i + 3 };
  }
  return undefined;
}

/**
 * Bytes to text: UTF-8 when the bytes are valid UTF-8 (RFC 6532 allows raw UTF-8 headers), else
 * Latin-1, which maps every byte to one code point and so never loses information.
 */
export function bytesToText(buf: Buffer): string {
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (!utf8.includes('\uFFFD')) return utf8;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return buf.toString('latin1');
  }
}

export interface RawField {
  name: string;
  /** Unfolded raw value (CRLF/LF + WSP folding removed, leading whitespace trimmed). */
  raw: string;
}

/**
 * Split a header block into fields. Lines that are neither a field nor a continuation (garbage, an
 * mbox "From " line) are skipped and counted, so one broken line never loses the rest of the block.
 */
export function splitHeaderFields(
  block: string,
  maxFields: number,
): { fields: RawField[]; skippedLines: number; droppedFields: number } {
  const fields: RawField[] = [];
  let skippedLines = 0;
  let droppedFields = 0;
  let current: RawField | undefined;
  for (const line of block.split(/\r?\n/)) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current.raw += line; // RFC 5322 2.2.3: unfolding removes only the CRLF
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !/^[!-9;-~]+$/.test(line.slice(0, colon).trimEnd())) {
      skippedLines++;
      current = undefined;
      continue;
    }
    if (fields.length >= maxFields) {
      droppedFields++;
      current = undefined;
      continue;
    }
    current = { name: line.slice(0, colon).trimEnd(), raw: line.slice(colon + 1) };
    fields.push(current);
  }
  for (const f of fields) f.raw = f.raw.trim();
  return { fields, skippedLines, droppedFields };
}

export function decodeFields(fields: RawField[]): HeaderField[] {
  return fields.map((f) => ({ name: f.name, value: decodeHeaderValue(f.raw) }));
}

/**
 * The one header lookup (RFC 5322 field names are case-insensitive): first value of a header, for
 * any list of fields — ParsedMail.headers, the raw fields, or JSON headers (Amazon SES) whose
 * entries may lack a name.
 */
export function headerValue(
  fields: readonly { name?: string; value?: string }[],
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name?.toLowerCase() === lower)?.value;
}

/** All values of a header, in order. */
export function headerValues(fields: readonly { name: string; value: string }[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}
