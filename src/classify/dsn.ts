/**
 * RFC 3464 (message/delivery-status) and RFC 6533 (message/global-delivery-status) field parsing.
 * The body of such a part is a per-message block followed by one block per recipient, blocks
 * separated by blank lines, fields in RFC 5322 header syntax (folded continuation lines allowed).
 * RFC 6533 allows UTF-8 in the same fields, which changes nothing for a text parser.
 */
import { cleanAddress, unfold } from './text.js';

export interface DsnRecipientFields {
  finalRecipient?: string;
  originalRecipient?: string;
  action?: string;
  status?: string;
  remoteMta?: string;
  diagnosticCode?: string;
  lastAttemptDate?: string;
}

export interface DsnReport {
  reportingMta?: string;
  arrivalDate?: string;
  recipients: DsnRecipientFields[];
}

/** Parse one header-syntax block into lower-case name -> value (first occurrence wins). */
export function parseFieldBlock(block: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of unfold(block).split('\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    if (!fields.has(name)) fields.set(name, m[2]!.trim());
  }
  return fields;
}

/** Strip the address-type ("rfc822;", "utf-8;") from a *-Recipient field; decode RFC 6533 xtext-ish \x{..}. */
export function recipientValue(value: string): string {
  const v = value.replace(/\\x\{([0-9A-Fa-f]+)\}/g, (_, hex: string) =>
    String.fromCodePoint(parseInt(hex, 16)),
  );
  return cleanAddress(v) || v.replace(/^[^;]*;\s*/, '').trim();
}

/** Strip the type ("smtp;", "dns;", "X-Postfix;") from a Diagnostic-Code or Remote-MTA field. */
export function typedValue(value: string): string {
  return value.replace(/^[A-Za-z0-9-]+\s*;\s*/, '').trim();
}

const RECIPIENT_FIELD = /^(final-recipient|original-recipient|action|status)$/;

/**
 * Some MTAs (seen from AOL's relays) omit the blank line between per-recipient blocks: a block
 * that names a second Final-Recipient (or Original-Recipient) holds two recipients, so it is
 * split where the field repeats.
 */
function splitRunTogether(block: string): string[] {
  const out: string[][] = [[]];
  let seen = new Set<string>();
  for (const line of block.split('\n')) {
    const name = /^(final-recipient|original-recipient)[ \t]*:/i.exec(line)?.[1]?.toLowerCase();
    if (name && seen.has(name)) {
      out.push([]);
      seen = new Set();
    }
    if (name) seen.add(name);
    out.at(-1)!.push(line);
  }
  return out.map((l) => l.join('\n'));
}

/**
 * Parse a delivery-status body. Tolerant: blocks that hold no recipient field are treated as
 * per-message fields, a recipient block without Final-Recipient but with Original-Recipient is kept.
 */
export function parseDeliveryStatus(text: string): DsnReport {
  const report: DsnReport = { recipients: [] };
  const blocks = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .filter((b) => b.trim())
    .flatMap(splitRunTogether);
  for (const block of blocks) {
    const f = parseFieldBlock(block);
    const isRecipient = [...f.keys()].some((k) => RECIPIENT_FIELD.test(k));
    if (!isRecipient) {
      report.reportingMta ??= f.has('reporting-mta') ? typedValue(f.get('reporting-mta')!) : undefined;
      report.arrivalDate ??= f.get('arrival-date');
      continue;
    }
    const finalRaw = f.get('final-recipient') ?? f.get('x-actual-recipient');
    const originalRaw = f.get('original-recipient');
    const rec: DsnRecipientFields = {};
    if (finalRaw) rec.finalRecipient = recipientValue(finalRaw);
    if (originalRaw) rec.originalRecipient = recipientValue(originalRaw);
    if (f.has('action')) rec.action = f.get('action')!.toLowerCase().split(/[\s(]/)[0];
    if (f.has('status')) rec.status = f.get('status')!;
    if (f.has('remote-mta')) rec.remoteMta = typedValue(f.get('remote-mta')!);
    if (f.has('diagnostic-code')) rec.diagnosticCode = typedValue(f.get('diagnostic-code')!);
    if (f.has('last-attempt-date')) rec.lastAttemptDate = f.get('last-attempt-date');
    // A block with only per-message fields and a stray Status is not a recipient.
    if (!rec.finalRecipient && !rec.originalRecipient) {
      const last = report.recipients.at(-1);
      if (last && !last.action && rec.action) Object.assign(last, rec);
      continue;
    }
    if (!rec.finalRecipient && !rec.originalRecipient?.includes('@')) continue;
    report.recipients.push(rec);
  }
  // Some MTAs put a blank line inside a recipient's block; merge a block that only repeats the
  // recipient of the previous block.
  return report;
}

/** Does this text look like a delivery-status body (for DSNs pasted into text/plain parts)? */
export function looksLikeDeliveryStatus(text: string): boolean {
  return /^(final|original)-recipient\s*:/im.test(text) && /^(action|status)\s*:/im.test(text);
}
