import type { ThreadConfig } from './config-schema.js';

/**
 * Subject tags (pure). SuperOffice's import writes `ejTag: 123` into the subject of outgoing
 * mail and recognises it in replies; the tag word is a SuperOffice setting. Other helpdesks'
 * styles (`[#123]`, `[Ticket#123]`) come as extra patterns from configuration.
 */

/** Longest subject prefix scanned for tags: subjects are bounded, user patterns may backtrack. */
export const MAX_SUBJECT_SCAN_CHARS = 2000;
/** Most tags taken from one subject (each may cost a ticket lookup). */
export const MAX_SUBJECT_TAGS = 4;
/** Ticket ids are int32 in the WebAPI (TicketEntity.TicketId). */
const MAX_TICKET_ID = 2_147_483_647;

export interface SubjectTag {
  ticketId: number;
  /** The matched text, for the decision's candidates. */
  text: string;
  index: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiled patterns for a config; compile once per config, not per mail. */
export function compileTagPatterns(cfg: Pick<ThreadConfig, 'tagWord' | 'tagPatterns'>): RegExp[] {
  // `ejTag: 123`, also `ejTag:123` and `ejTag 123`? No: SuperOffice writes the colon, and a bare
  // "ejTag 123" in prose is not a tag. The word must not be the tail of a longer word.
  const word = new RegExp(
    `(?<![\\p{L}\\p{N}_])${escapeRegExp(cfg.tagWord)}\\s*:\\s*(\\d{1,10})(?!\\d)`,
    'giu',
  );
  return [word, ...cfg.tagPatterns.map((p) => new RegExp(p, 'giu'))];
}

/**
 * Tags in a subject, in order of appearance, deduplicated by ticket id, at most MAX_SUBJECT_TAGS.
 * A capture that is not a positive int32 number is ignored.
 */
export function extractSubjectTags(subject: string, patterns: readonly RegExp[]): SubjectTag[] {
  const text = subject.slice(0, MAX_SUBJECT_SCAN_CHARS);
  const found: SubjectTag[] = [];
  for (const re of patterns) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const digits = (m[1] ?? '').trim();
      if (!/^\d{1,10}$/.test(digits)) continue;
      const ticketId = Number(digits);
      if (ticketId < 1 || ticketId > MAX_TICKET_ID) continue;
      found.push({ ticketId, text: m[0], index: m.index ?? 0 });
    }
  }
  found.sort((a, b) => a.index - b.index);
  const seen = new Set<number>();
  const out: SubjectTag[] = [];
  for (const t of found) {
    if (seen.has(t.ticketId)) continue;
    seen.add(t.ticketId);
    out.push(t);
    if (out.length >= MAX_SUBJECT_TAGS) break;
  }
  return out;
}

/**
 * Forwarded mail, recognised by the subject prefixes mail clients write (English Fwd/Fw, German WG,
 * French TR, Dutch Doorst, Swedish VB, Finnish VL, Spanish/Portuguese RV/ENC, Italian I, Polish PD).
 * Leading `Re:`/`AW:`/`SV:` and bracketed list tags before the prefix are skipped. `VS:` is left
 * out on purpose: it means "forward" in Norwegian/Danish Outlook but "reply" in Finnish, and a
 * reply taken for a forward would lose its thread.
 */
const FORWARD_PREFIX =
  /^(?:\s*(?:\[[^\]]{0,80}\]|(?:re|aw|sv|antw|rif|r)\s*(?:\[\d+\])?\s*:))*\s*(?:fwd?|wg|tr|doorst|vb|vl|rv|enc|i|pd)\s*(?:\[\d+\])?\s*:/i;

export function isForwardSubject(subject: string): boolean {
  return FORWARD_PREFIX.test(subject.slice(0, 200));
}
