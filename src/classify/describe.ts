import type { Classification } from '../types.js';

/** One line for DebugInfo: kind, recipients with status, original id, evidence. */
export function describeClassification(c: Classification): string {
  const parts: string[] = [c.kind];
  if (c.bounce) {
    const rs = c.bounce.recipients.map(
      (r) => `${r.address}${r.status ? ` ${r.status}` : ''}${r.action ? ` ${r.action}` : ''}`,
    );
    if (rs.length) parts.push(`recipients: ${rs.join(', ')}`);
    if (c.bounce.permanent !== null) parts.push(c.bounce.permanent ? 'permanent' : 'temporary');
    if (c.bounce.originalMessageId) parts.push(`original ${c.bounce.originalMessageId}`);
  }
  if (c.evidence.length) parts.push(`evidence: ${c.evidence.join('; ')}`);
  return parts.join(' | ').replace(/[\r\n]+/g, ' ');
}
