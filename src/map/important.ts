import { headerValue } from '../parse/header-block.js';
import type { HeaderField } from '../types.js';

/**
 * The red flag. Three conventions exist in the wild:
 * - Importance: high (RFC 2156 / Outlook),
 * - X-Priority: 1 or 2 (Eudora-era, "1 (Highest)"),
 * - Priority: urgent (RFC 2156),
 * plus X-MSMail-Priority: High, which older Outlook sends without the others.
 */
export function isImportant(headers: readonly HeaderField[]): { important: boolean; reason?: string } {
  const importance = headerValue(headers, 'importance')?.trim().toLowerCase();
  if (importance === 'high') return { important: true, reason: 'Importance: high' };
  const xPriority = headerValue(headers, 'x-priority')?.trim();
  const level = xPriority ? /^(\d)/.exec(xPriority)?.[1] : undefined;
  if (level === '1' || level === '2') return { important: true, reason: `X-Priority: ${xPriority}` };
  const priority = headerValue(headers, 'priority')?.trim().toLowerCase();
  if (priority === 'urgent') return { important: true, reason: 'Priority: urgent' };
  const msPriority = headerValue(headers, 'x-msmail-priority')?.trim().toLowerCase();
  if (msPriority === 'high') return { important: true, reason: 'X-MSMail-Priority: High' };
  return { important: false };
}
