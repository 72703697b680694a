import type { Decision } from '../types.js';

/** DebugInfo is shown to agents in SuperOffice: short, human-readable, bounded. */
export const MAX_DEBUG_INFO_CHARS = 2000;

export function debugInfo(decision: Decision, importantReason?: string): string {
  const c = decision.classification;
  const lines = [`mail2ticket: ${c.kind}${c.evidence.length ? ` (${c.evidence.join('; ')})` : ''}`];
  if (decision.bounce) {
    const r = decision.bounce.recipients
      .map((x) => `${x.address} ${x.status ?? '?'}${x.action ? ` ${x.action}` : ''}`)
      .join(', ');
    lines.push(
      `bounce: ${decision.bounce.permanent ? 'permanent' : decision.bounce.permanent === false ? 'temporary' : 'unknown'}${r ? `; ${r}` : ''}${decision.bounce.originalMessageId ? `; original ${decision.bounce.originalMessageId}` : ''}`,
    );
  }
  // List or bulk traffic stays a message; say why it is marked so an agent can filter on it.
  if (c.bulk) {
    const parts = [
      c.bulk.list ? `list ${c.bulk.list}` : '',
      c.bulk.precedence ? `precedence ${c.bulk.precedence}` : '',
    ];
    lines.push(`bulk: ${parts.filter(Boolean).join('; ')}`);
  }
  const t = decision.thread;
  lines.push(
    `thread: ${t.matchedBy}${t.parentMessageId ? ` parent ${t.parentMessageId}` : ''}${t.ticketId === undefined ? '' : ` ticket ${t.ticketId}`}`,
  );
  if (decision.messageIdDerived) lines.push(`message-id: derived ${decision.messageId}`);
  if (decision.createdAtSource !== 'date') lines.push(`created-at: from ${decision.createdAtSource}`);
  if (importantReason) lines.push(`important: ${importantReason}`);
  if (decision.notes.length) lines.push(`notes: ${decision.notes.join('; ')}`);
  const text = lines.join('\n');
  return text.length > MAX_DEBUG_INFO_CHARS ? `${text.slice(0, MAX_DEBUG_INFO_CHARS - 1)}…` : text;
}
