/**
 * RFC 8098 message disposition notifications (read receipts), including the RFC 6533 global form.
 */
import type { ParsedMail } from '../types.js';
import { parseFieldBlock } from './dsn.js';

const MDN_TYPES = new Set(['message/disposition-notification', 'message/global-disposition-notification']);

/** Evidence that the mail is a read receipt, or null. */
export function detectReadReceipt(mail: ParsedMail): string[] | null {
  const part = mail.captured.find((c) => MDN_TYPES.has(c.contentType));
  const byType =
    mail.contentType === 'multipart/report' &&
    /^(global-)?disposition-notification$/.test(mail.contentTypeParams['report-type'] ?? '');
  if (!part && !byType) return null;
  const evidence = [
    byType ? 'multipart/report; report-type=disposition-notification' : `${part!.contentType} part`,
  ];
  const disposition = part ? parseFieldBlock(part.text).get('disposition') : undefined;
  if (disposition) evidence.push(`Disposition: ${disposition}`);
  return evidence;
}
