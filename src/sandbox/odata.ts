import type { Json, SandboxStore } from './store.js';

/**
 * The slice of SuperOffice's OData archive query the sandbox understands: one clause
 * `<column> is '<value>'` (or `eq`) over messageId / ticketId / ticketMessageId, a `\'` escape inside
 * the literal, `$select` of archive columns and `$top`. Anything else is a 400, so a client relying on
 * more than this finds out here rather than against a tenant.
 */

export class ODataError extends Error {}

export interface Filter {
  column: 'messageId' | 'ticketId' | 'ticketMessageId';
  value: string;
}

const COLUMNS = ['messageId', 'ticketId', 'ticketMessageId'] as const;
/** Archive columns the sandbox can list, by lower-case name. */
const LISTABLE = ['ticketMessageId', 'ticketId', 'messageId', 'author', 'createdAt', 'slevel', 'searchTitle'];

export const DEFAULT_TOP = 50;
export const MAX_TOP = 1000;

export function parseFilter(text: string): Filter {
  const m = /^\s*(\w+)\s+(is|eq)\s+'((?:[^'\\]|\\.)*)'\s*$/is.exec(text);
  if (!m) throw new ODataError(`unsupported $filter: ${text.slice(0, 200)}`);
  const column = COLUMNS.find((c) => c.toLowerCase() === m[1]!.toLowerCase());
  if (!column) throw new ODataError(`unknown column in $filter: ${m[1]}`);
  return { column, value: m[3]!.replace(/\\(.)/gs, '$1') };
}

export function parseTop(text: string | null): number {
  if (text === null) return DEFAULT_TOP;
  if (!/^\d+$/.test(text)) throw new ODataError(`invalid $top: ${text.slice(0, 50)}`);
  return Math.min(MAX_TOP, Number(text));
}

/** `$select=a,b/c` -> ['a', 'b'] (first path segment; nested selection is not modelled). */
export function parseSelect(text: string | null): string[] | undefined {
  if (text === null || text.trim() === '') return undefined;
  return text
    .split(',')
    .map((s) => s.trim().split('/')[0]!)
    .filter(Boolean);
}

/**
 * The archive list answer. Values are sent as display strings, as the default Slim mode does, so
 * clients must parse them (an honest sandbox shows the worst case).
 */
export function listMessages(store: SandboxStore, filter: Filter, select: string[] | undefined, top: number) {
  const cols = (select ?? ['ticketMessageId']).map((c) => {
    const col = LISTABLE.find((l) => l.toLowerCase() === c.toLowerCase());
    if (!col) throw new ODataError(`unknown column in $select: ${c}`);
    return col;
  });
  const rows: Json[] = [];
  for (const [id, m] of store.messages) {
    const value =
      filter.column === 'messageId'
        ? m.entity.MessageId
        : filter.column === 'ticketId'
          ? String(m.ticketId)
          : String(id);
    if (value !== filter.value) continue;
    const row: Json = { PrimaryKey: id, EntityName: 'ticketmessage' };
    for (const c of cols) {
      const v =
        c === 'ticketMessageId'
          ? id
          : c === 'ticketId'
            ? m.ticketId
            : m.entity[c[0]!.toUpperCase() + c.slice(1)];
      row[c] = v === undefined || v === null ? '' : String(v);
    }
    rows.push(row);
    if (rows.length >= top) break;
  }
  return { 'odata.metadata': 'sandbox', 'odata.nextLink': '', value: rows };
}

/** Entity `$select`: listed top-level fields kept, others nulled out (as documented for PUT). */
export function selectFields(entity: Json, select: string[] | undefined): Json {
  if (!select) return entity;
  const keep = new Set(select.map((s) => s.toLowerCase()));
  const out: Json = {};
  for (const [k, v] of Object.entries(entity)) out[k] = keep.has(k.toLowerCase()) ? v : null;
  return out;
}
