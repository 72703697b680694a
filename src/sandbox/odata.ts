import type { Json, SandboxStore, StoredMessage } from './store.js';

/**
 * The slice of SuperOffice's archive restriction language the sandbox understands: clauses
 * `<column> <operator> <value>` over messageId / ticketId / ticketMessageId, combined with `and` /
 * `or` and grouped by brackets, `$select` of archive columns (any case, any order) and `$top`.
 * Anything else is a 400 with SuperOffice's error body, so a client relying on more than this finds
 * out here rather than against a tenant.
 *
 * The operators are the binary ones SuperOffice documents for archive restrictions ("Archive
 * Restriction strings are OData or SQL-ish", superoffice-docs: Agents/Archive/GetAvailableEntities)
 * that apply to one string or id: `=`, `eq`, `equals` and `is` (the documented Message-Id lookup is
 * `messageId is '<abc@host>'`), and for strings `begins` and `contains` (`name begins 'Super'`,
 * `name contains 'super'`). Operator names are matched case-insensitively (the same page writes
 * `AND` and `and`). A string value is quoted with `'`, a `'` inside it escaped with a backslash
 * (superoffice-api.md); an id may also be a bare number (`category = 3`). How SuperOffice collates
 * is not documented: comparisons here are exact (ordinal), and the client re-checks rows anyway.
 *
 * Combining follows superoffice-docs (Agents/Find/FindWithExtraRestrictions2, "Brackets and or"):
 * "AND has a higher priority than OR" and "Brackets can be used for grouping:
 * `(business = 2 or category = 3) and name contains 'super'`".
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

/** A parsed `$filter`: one clause, or `and` / `or` over two or more sub-expressions. */
export type FilterExpr = Filter | { op: 'and' | 'or'; terms: FilterExpr[] };

export const DEFAULT_TOP = 50;
export const MAX_TOP = 1000;
/** Most clauses in one `$filter`: a batched Message-Id lookup needs a few dozen; more is hostile. */
export const MAX_FILTER_CLAUSES = 100;
/** Deepest bracket nesting: the parser recurses per bracket, so a `((((...` flood must stop early. */
export const MAX_FILTER_DEPTH = 32;

interface Token {
  kind: '(' | ')' | '=' | 'string' | 'word';
  text: string;
  at: number;
}

/** Brackets, `=`, a quoted string (backslash escapes undone later), a word, or one stray character. */
const TOKEN = /\s*(?:([()=])|'((?:[^'\\]|\\.)*)'|(\w+)|(\S))/sy;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const at = m.index + m[0].length - m[0].trimStart().length;
    if (m[1]) tokens.push({ kind: m[1] as '(' | ')' | '=', text: m[1], at });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2], at });
    else if (m[3]) tokens.push({ kind: 'word', text: m[3], at });
    else if (m[4] === "'") throw new ODataError(`unterminated quoted string at ${at} in $filter`);
    else if (m[4]) throw new ODataError(`unexpected ${m[4]} at ${at} in $filter`);
  }
  return tokens;
}

const isWord = (t: Token | undefined, word: string) => t?.kind === 'word' && t.text.toLowerCase() === word;

/**
 * A whole restriction, `text` as decoded from the query string (`%xx` and `+` already undone):
 * `or` of `and` of clauses or bracketed restrictions. One clause comes back as a plain Filter.
 */
export function parseFilter(text: string): FilterExpr {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ODataError('empty $filter');
  let pos = 0;
  let clauses = 0;
  const describe = (t: Token | undefined) => (t ? `'${t.text.slice(0, 60)}' at ${t.at}` : 'the end');

  const list = (op: 'and' | 'or', term: (depth: number) => FilterExpr, depth: number): FilterExpr => {
    const terms = [term(depth)];
    while (isWord(tokens[pos], op)) {
      pos++;
      terms.push(term(depth));
    }
    return terms.length === 1 ? terms[0]! : { op, terms };
  };
  const or = (depth: number): FilterExpr => list('or', and, depth);
  const and = (depth: number): FilterExpr => list('and', primary, depth);
  const primary = (depth: number): FilterExpr => {
    const t = tokens[pos];
    if (t?.kind === '(') {
      if (depth >= MAX_FILTER_DEPTH)
        throw new ODataError(`$filter nests brackets deeper than ${MAX_FILTER_DEPTH}`);
      pos++;
      const inner = or(depth + 1);
      if (tokens[pos]?.kind !== ')') {
        throw new ODataError(
          `unbalanced bracket: '(' at ${t.at} is not closed (found ${describe(tokens[pos])})`,
        );
      }
      pos++;
      return inner;
    }
    if (++clauses > MAX_FILTER_CLAUSES)
      throw new ODataError(`$filter has more than ${MAX_FILTER_CLAUSES} clauses`);
    return clause();
  };
  const clause = (): Filter => {
    const [c, o, v] = [tokens[pos], tokens[pos + 1], tokens[pos + 2]];
    if (c?.kind !== 'word' || isWord(c, 'and') || isWord(c, 'or')) {
      const prev = tokens[pos - 1];
      throw new ODataError(
        prev
          ? `expected a clause after '${prev.text}', found ${describe(c)}`
          : `expected a clause, found ${describe(c)}`,
      );
    }
    const column = COLUMNS.find((k) => k.toLowerCase() === c.text.toLowerCase());
    if (!column) throw new ODataError(`unknown column in $filter: ${c.text}`);
    if (o?.kind !== '=' && o?.kind !== 'word')
      throw new ODataError(`expected an operator after ${column}, found ${describe(o)}`);
    const operator = OPERATORS[o.text.toLowerCase()];
    if (!operator) throw new ODataError(`unknown operator in $filter: ${o.text}`);
    const isString = STRING_COLUMNS.includes(column);
    if (operator !== 'equals' && !isString) {
      throw new ODataError(`operator ${o.text} does not apply to the id column ${column}`);
    }
    if (v?.kind === 'word' && /^\d+$/.test(v.text)) {
      if (isString) throw new ODataError(`${column} needs a quoted string, got ${v.text}`);
    } else if (v?.kind !== 'string') {
      throw new ODataError(`expected a quoted value after ${column} ${o.text}, found ${describe(v)}`);
    }
    pos += 3;
    return { column, operator, value: v.kind === 'string' ? v.text.replace(/\\(.)/gs, '$1') : v.text };
  };

  const expr = or(0);
  if (pos < tokens.length) {
    const t = tokens[pos]!;
    throw new ODataError(
      t.kind === ')'
        ? `unbalanced bracket: ')' at ${t.at} has no '('`
        : `unexpected ${describe(t)} in $filter`,
    );
  }
  return expr;
}

export function matches(filter: Filter, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (filter.operator === 'begins') return value.startsWith(filter.value);
  if (filter.operator === 'contains') return value.includes(filter.value);
  return value === filter.value;
}

function columnValue(column: Filter['column'], id: number, m: StoredMessage): string | undefined {
  if (column === 'ticketId') return String(m.ticketId);
  if (column === 'ticketMessageId') return String(id);
  return typeof m.entity.MessageId === 'string' ? m.entity.MessageId : undefined;
}

/** Whether one stored message satisfies a parsed `$filter`. */
function evaluate(expr: FilterExpr, id: number, m: StoredMessage): boolean {
  if ('column' in expr) return matches(expr, columnValue(expr.column, id, m));
  return expr.op === 'and'
    ? expr.terms.every((t) => evaluate(t, id, m))
    : expr.terms.some((t) => evaluate(t, id, m));
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
export function listMessages(
  store: SandboxStore,
  filter: FilterExpr,
  select: string[] | undefined,
  top: number,
) {
  const cols = (select ?? ['ticketMessageId']).map((c) => {
    const col = LISTABLE.find((l) => l.toLowerCase() === c.toLowerCase());
    if (!col) throw new ODataError(`unknown column in $select: ${c}`);
    return col;
  });
  const rows: Json[] = [];
  for (const [id, m] of store.messages) {
    if (rows.length >= top) break;
    if (!evaluate(filter, id, m)) continue;
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
