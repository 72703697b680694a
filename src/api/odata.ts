/**
 * Finding a ticket message by the mail's Message-Id over SuperOffice's OData archive list (pure).
 * There is no dedicated endpoint; the documented way is
 *   GET /api/v1/TicketMessage?$select=ticketMessageId,ticketId,messageId&$filter=messageId is '<x>'&$top=5
 * (see fixtures/spec/superoffice-api.md). Whether SuperOffice stores the id with its angle brackets is
 * not documented, so both spellings are tried; in the default Slim mode values may arrive as display
 * strings ("4711", even "4,711" under some cultures), so numbers are parsed defensively.
 */
import { bareMessageIdSpelling } from '../message-id.js';

export const FIND_SELECT = 'ticketMessageId,ticketId,messageId';
/** More than one message with the same Message-Id is already an anomaly; a few rows are plenty. */
export const FIND_TOP = 5;

export interface MessageMatch {
  ticketMessageId: number;
  ticketId?: number;
  messageId?: string;
}

/** `<a@b>` and `a@b`, the mail's own spelling first. */
export function messageIdVariants(messageId: string): string[] {
  const id = messageId.trim();
  const bare = bareMessageIdSpelling(id) ?? '';
  const bracketed = `<${bare}>`;
  return id.startsWith('<') ? [bracketed, bare] : [bare, bracketed];
}

/** A string literal in an OData filter: a `'` inside the value is escaped with a backslash (documented). */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "\\'")}'`;
}

export function messageIdFilter(messageId: string): string {
  return `messageId is ${odataString(messageId)}`;
}

/**
 * The lookup of one Message-Id spelling, or of several in one request (issue 13 §3: fewer requests
 * per mail): `messageId is 'a' or messageId is 'b' ...`. SuperOffice documents that archive
 * restriction strings combine terms with OR ("Brackets and or", superoffice-docs:
 * Agents/Find/FindWithExtraRestrictions2), and the OData `$filter` is read into the same archive
 * restrictions (docs: REST WebAPI search). `$top` leaves FIND_TOP rows per spelling.
 */
export function findPath(...messageIds: string[]): string {
  const q = [
    `$select=${FIND_SELECT}`,
    `$filter=${encodeURIComponent(messageIds.map(messageIdFilter).join(' or '))}`,
    `$top=${messageIds.length * FIND_TOP}`,
  ].join('&');
  return `/api/v1/TicketMessage?${q}`;
}

/**
 * An archive answer's rows (undefined when it has no `value` list: not an archive answer), and
 * whether it says there are more (a non-empty `odata.nextLink`: the server cut the list short).
 */
export function archivePage(json: unknown): { rows: unknown[] | undefined; more: boolean } {
  const answer = json as { value?: unknown; 'odata.nextLink'?: unknown } | null;
  const rows = answer?.value;
  const next = answer?.['odata.nextLink'];
  return {
    rows: Array.isArray(rows) ? (rows as unknown[]) : undefined,
    more: typeof next === 'string' && next.trim() !== '',
  };
}

/** An integer from a typed or Slim (display string) value; undefined when it is not one. */
export function parseSlimInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  // Group separators of common cultures: space, NBSP, narrow NBSP, comma, dot, apostrophe.
  const s = value.trim().replace(/[\s\u00a0\u202f,.'\u2019]/g, '');
  if (!/^-?\d{1,15}$/.test(s)) return undefined;
  return Number(s);
}

function pick(row: Record<string, unknown>, name: string): unknown {
  if (name in row) return row[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(row)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/**
 * The rows of an archive answer that really carry `wanted` (bracket-insensitive, otherwise exact: the
 * filter's collation may be looser than Message-Id equality). Rows without a usable id are dropped.
 * Sorted by id, oldest message first.
 */
export function parseMatches(json: unknown, wanted: string): MessageMatch[] {
  const rows = archivePage(json).rows;
  if (!rows) return [];
  const out: MessageMatch[] = [];
  for (const r of rows) {
    if (typeof r !== 'object' || r === null) continue;
    const row = r as Record<string, unknown>;
    const id = parseSlimInt(pick(row, 'ticketMessageId')) ?? parseSlimInt(pick(row, 'PrimaryKey'));
    if (id === undefined || id <= 0) continue;
    const mid = pick(row, 'messageId');
    if (typeof mid === 'string' && mid !== '' && bareMessageIdSpelling(mid) !== bareMessageIdSpelling(wanted))
      continue;
    const ticketId = parseSlimInt(pick(row, 'ticketId'));
    out.push({
      ticketMessageId: id,
      ...(ticketId !== undefined && ticketId > 0 ? { ticketId } : {}),
      ...(typeof mid === 'string' && mid !== '' ? { messageId: mid } : {}),
    });
  }
  return out.sort((a, b) => a.ticketMessageId - b.ticketMessageId);
}

/** The bytes one spelling adds to a batched lookup's query string (for the length budget). */
export function batchClauseBytes(variant: string): number {
  return encodeURIComponent(` or ${messageIdFilter(variant)}`).length;
}

/**
 * A batched answer's rows for one spelling, as the single lookup of that spelling would have had
 * them: rows whose stored id is that spelling (angle brackets and all; compared without regard to
 * case, as the server's collation may), then re-checked exactly by parseMatches. Undefined when the
 * answer cannot be split that way (a row without its messageId, or as many rows as the single
 * lookup's FIND_TOP, which it might have cut short): then that mail is looked up on its own.
 */
export function matchesInBatch(rows: readonly unknown[], variant: string): MessageMatch[] | undefined {
  const want = variant.toLowerCase();
  const mine: unknown[] = [];
  for (const r of rows) {
    if (typeof r !== 'object' || r === null) continue;
    const mid = pick(r as Record<string, unknown>, 'messageId');
    if (typeof mid !== 'string' || mid === '') return undefined;
    if (mid.trim().toLowerCase() === want) mine.push(r);
  }
  if (mine.length >= FIND_TOP) return undefined;
  return parseMatches({ value: mine }, variant);
}
