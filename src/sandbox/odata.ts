import type { Json, SandboxStore } from './store.js';

/**
 * The slice of SuperOffice's archive restriction language the sandbox understands: one clause
 * `<column> <operator> <value>` over messageId / ticketId / ticketMessageId, `$select` of archive
 * columns (any case, any order) and `$top`. Anything else is a 400 with SuperOffice's error body, so a
 * client relying on more than this finds out here rather than against a tenant.
 *
 * The operators are the binary ones SuperOffice documents for archive restrictions ("Archive
 * Restriction strings are OData or SQL-ish", superoffice-docs: Agents/Archive/GetAvailableEntities)
 * that apply to one string or id: `=`, `eq`, `equals` and `is` (the documented Message-Id lookup is
 * `messageId is '<abc@host>'`), and for strings `begins` and `contains` (`name begins 'Super'`,
 * `name contains 'super'`). Operator names are matched case-insensitively (the same page writes
 * `AND` and `and`). A string value is quoted with `'`, a `'` inside it escaped with a backslash
 * (superoffice-api.md); an id may also be a bare number (`category = 3`). How SuperOffice collates
 * is not documented: comparisons here are exact (ordinal), and the client re-checks rows anyway.
 */

export class ODataError extends Error {}

export type FilterOperator = 'equals' | 'begins' | 'contains';

export interface Filter {
  column: 'messageId' | 'ticketId' | 'ticketMessageId';
  operator: FilterOperator;
  value: string;
}

const COLUMNS = ['messageId', 'ticketId', 'ticketMessageId'] as const;
const STRING_COLUMNS: readonly string[] = ['messageId'];
/** Archive columns the sandbox can list, by lower-case name. */
const LISTABLE = ['ticketMessageId', 'ticketId', 'messageId', 'author', 'createdAt', 'slevel', 'searchTitle'];

const OPERATORS: Record<string, FilterOperator> = {
  '=': 'equals',
  eq: 'equals',
  equals: 'equals',
  is: 'equals',
  begins: 'begins',
  contains: 'contains',
};

export const DEFAULT_TOP = 50;
export const MAX_TOP = 1000;

/** One clause; `text` as decoded from the query string (`%xx` and `+` already undone). */
export function parseFilter(text: string): Filter {
  const m = /^\s*(\w+)\s*(=|\s[a-z]+\s)\s*(?:'((?:[^'\\]|\\.)*)'|(\d+))\s*$/is.exec(text);
  if (!m) throw new ODataError(`unsupported $filter: ${text.slice(0, 200)}`);
  const column = COLUMNS.find((c) => c.toLowerCase() === m[1]!.toLowerCase());
  if (!column) throw new ODataError(`unknown column in $filter: ${m[1]}`);
  const opName = m[2]!.trim();
  const operator = OPERATORS[opName.toLowerCase()];
  if (!operator) throw new ODataError(`unknown operator in $filter: ${opName}`);
  const isString = STRING_COLUMNS.includes(column);
  if (operator !== 'equals' && !isString) {
    throw new ODataError(`operator ${opName} does not apply to the id column ${column}`);
  }
  if (m[4] !== undefined && isString) throw new ODataError(`${column} needs a quoted string, got ${m[4]}`);
  const value = m[4] ?? m[3]!.replace(/\\(.)/gs, '$1');
  return { column, operator, value };
}

export function matches(filter: Filter, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (filter.operator === 'begins') return value.startsWith(filter.value);
  if (filter.operator === 'contains') return value.includes(filter.value);
  return value === filter.value;
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
    if (rows.length >= top) break;
    const value =
      filter.column === 'messageId'
        ? typeof m.entity.MessageId === 'string'
          ? m.entity.MessageId
          : undefined
        : filter.column === 'ticketId'
          ? String(m.ticketId)
          : String(id);
    if (!matches(filter, value)) continue;
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
