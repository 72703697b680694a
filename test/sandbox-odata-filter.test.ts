import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Filter,
  type FilterExpr,
  MAX_FILTER_CLAUSES,
  MAX_FILTER_DEPTH,
  ODataError,
  parseFilter,
} from '../src/sandbox/odata.js';
import { IIS_MAX_QUERY_STRING_BYTES, IIS_MAX_URL_BYTES } from '../src/sandbox/server.js';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

const is = (value: string): Filter => ({ column: 'messageId', operator: 'equals', value });
const or = (...terms: FilterExpr[]): FilterExpr => ({ op: 'or', terms });
const and = (...terms: FilterExpr[]): FilterExpr => ({ op: 'and', terms });

function parseError(text: string): string {
  try {
    parseFilter(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ODataError);
    return (err as Error).message;
  }
  throw new Error(`parsed: ${text}`);
}

describe('parseFilter: SuperOffice restriction strings with and / or / brackets', () => {
  it('one clause is still a plain Filter, as before', () => {
    expect(parseFilter("messageId is '<a@x>'")).toEqual(is('<a@x>'));
    expect(parseFilter('ticketMessageId eq 7')).toEqual({
      column: 'ticketMessageId',
      operator: 'equals',
      value: '7',
    });
  });

  it('AND binds tighter than OR; runs of one operator are one node', () => {
    expect(parseFilter("messageId is 'a' or messageId is 'b' and messageId is 'c'")).toEqual(
      or(is('a'), and(is('b'), is('c'))),
    );
    expect(parseFilter("messageId is 'a' and messageId is 'b' or messageId is 'c'")).toEqual(
      or(and(is('a'), is('b')), is('c')),
    );
    expect(parseFilter("messageId is 'a' or messageId is 'b' or messageId is 'c'")).toEqual(
      or(is('a'), is('b'), is('c')),
    );
  });

  it('brackets group (the documented `(a or b) and c`) and may nest', () => {
    expect(parseFilter("(messageId is 'a' or messageId is 'b') and ticketId = 3")).toEqual(
      and(or(is('a'), is('b')), { column: 'ticketId', operator: 'equals', value: '3' }),
    );
    expect(parseFilter("((messageId is 'a'))")).toEqual(is('a'));
    expect(parseFilter("messageId is 'a' and (messageId is 'b' or (messageId is 'c'))")).toEqual(
      and(is('a'), or(is('b'), is('c'))),
    );
    expect(parseFilter("(messageId='a')or(messageId='b')")).toEqual(or(is('a'), is('b')));
  });

  it('quoted strings may hold ` or `, brackets and backslash-escaped quotes', () => {
    expect(parseFilter("messageId is 'x or y)' or messageId is '(z and w'")).toEqual(
      or(is('x or y)'), is('(z and w')),
    );
    expect(parseFilter("messageId is 'it\\'s or (not)' and messageId contains '\\\\'")).toEqual(
      and(is("it's or (not)"), { column: 'messageId', operator: 'contains', value: '\\' }),
    );
  });

  it('and / or in any case, across lines', () => {
    expect(parseFilter("messageId is 'a' AND messageId is 'b' Or messageId is 'c'")).toEqual(
      or(and(is('a'), is('b')), is('c')),
    );
    expect(parseFilter("messageId is 'a'\n\toR messageId is 'b'")).toEqual(or(is('a'), is('b')));
  });

  it('everything else is an ODataError naming the problem', () => {
    expect(parseError('')).toMatch(/empty/);
    expect(parseError('  ')).toMatch(/empty/);
    expect(parseError("(messageId is 'a'")).toMatch(/unbalanced bracket: '\(' at 0 is not closed/);
    expect(parseError("((messageId is 'a')")).toMatch(/unbalanced bracket/);
    expect(parseError("messageId is 'a')")).toMatch(/unbalanced bracket: '\)' at 16 has no '\('/);
    expect(parseError('()')).toMatch(/expected a clause after '\('/);
    expect(parseError("messageId is 'a' or")).toMatch(/expected a clause after 'or', found the end/);
    expect(parseError("or messageId is 'a'")).toMatch(/expected a clause, found 'or'/);
    expect(parseError("messageId is 'a' and and messageId is 'b'")).toMatch(/after 'and', found 'and'/);
    expect(parseError("messageId is 'a' messageId is 'b'")).toMatch(/unexpected 'messageId' at 17/);
    expect(parseError("body contains 'x'")).toMatch(/unknown column in \$filter: body/);
    expect(parseError("messageId like 'x'")).toMatch(/unknown operator in \$filter: like/);
    expect(parseError("messageId <> 'x'")).toMatch(/unexpected </);
    expect(parseError("messageId is 'x")).toMatch(/unterminated quoted string at 13/);
    expect(parseError('messageId is 5')).toMatch(/needs a quoted string/);
    expect(parseError('ticketId begins 5')).toMatch(/does not apply to the id column/);
    expect(parseError('ticketId = x')).toMatch(/expected a quoted value/);
    expect(parseError("messageId is 'a' & messageId is 'b'")).toMatch(/unexpected &/);
  });

  it('caps the clauses and the bracket depth', () => {
    const clauses = (n: number) => Array.from({ length: n }, (_, i) => `ticketId = ${i}`).join(' or ');
    expect(parseFilter(clauses(MAX_FILTER_CLAUSES))).toMatchObject({ op: 'or' });
    expect(parseError(clauses(MAX_FILTER_CLAUSES + 1))).toMatch(/more than 100 clauses/);
    const nested = (n: number) => `${'('.repeat(n)}ticketId = 1${')'.repeat(n)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toMatchObject({ column: 'ticketId' });
    expect(parseError(nested(MAX_FILTER_DEPTH + 1))).toMatch(/deeper than 32/);
    expect(parseError(nested(100_000))).toMatch(/deeper than 32/);
  });
});

describe('over HTTP: batched lookups and IIS URL limits', () => {
  const authorization = `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`;
  let sb: Sandbox;
  let a: number;
  let b: number;
  beforeAll(async () => {
    sb = await startSandbox();
    const ticket = sb.store.addTicket({ Title: 'T' }).TicketId;
    a = sb.store.addMessage(ticket, { MessageId: '<a@x>' });
    b = sb.store.addMessage(ticket, { MessageId: 'b@y' });
  });
  afterAll(async () => {
    await sb.close();
  });

  const get = async (pathAndQuery: string) => {
    const res = await fetch(sb.url + pathAndQuery, { headers: { authorization } });
    return { status: res.status, text: await res.text() };
  };
  const list = async (filter: string) => {
    const r = await get(`/api/v1/TicketMessage?$filter=${encodeURIComponent(filter)}&$top=10`);
    expect(r.status, r.text).toBe(200);
    return (JSON.parse(r.text) as { value: { PrimaryKey: number }[] }).value.map((v) => v.PrimaryKey);
  };

  it('an `or` of Message-Id variants finds both rows; `and` narrows', async () => {
    expect(
      await list("messageId is '<a@x>' or messageId is 'a@x' or messageId is '<b@y>' or messageId is 'b@y'"),
    ).toEqual([a, b]);
    expect(await list(`(messageId is '<a@x>' or messageId is 'b@y') and ticketMessageId eq ${b}`)).toEqual([
      b,
    ]);
    expect(await list("messageId begins '<' AND messageId contains 'b'")).toEqual([]);
    const bad = await get(`/api/v1/TicketMessage?$filter=${encodeURIComponent("(messageId is 'a@x'")}`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ ErrorType: 'ODataException' });
  });

  it('a query string over 2048 bytes is a 404.15 before routing; 2048 is served', async () => {
    const base = `$filter=${encodeURIComponent(`ticketMessageId eq ${a}`)}&pad=`;
    const query = (bytes: number) => base + 'x'.repeat(bytes - base.length);
    // What fetch sends is what we count: nothing here needs re-encoding.
    expect(new URL(`${sb.url}/api/v1/TicketMessage?${query(2049)}`).search).toBe(`?${query(2049)}`);
    const atLimit = await get(`/api/v1/TicketMessage?${query(IIS_MAX_QUERY_STRING_BYTES)}`);
    expect(atLimit.status).toBe(200);
    const over = await get(`/api/v1/TicketMessage?${query(IIS_MAX_QUERY_STRING_BYTES + 1)}`);
    expect(over.status).toBe(404);
    expect(over.text).toMatch(/404\.15 Query String Too Long: 2049 bytes, maxQueryString is 2048/);
  });

  it('a path over 4096 bytes is a 404.14 (the query string not counted)', async () => {
    const path = (bytes: number) => `/api/v1/${'x'.repeat(bytes - '/api/v1/'.length)}`;
    const atLimit = await get(`${path(IIS_MAX_URL_BYTES)}?$top=1`);
    expect(atLimit.status).toBe(404);
    expect(JSON.parse(atLimit.text)).toMatchObject({ ErrorType: 'SoNotFoundException' });
    const over = await get(path(IIS_MAX_URL_BYTES + 1));
    expect(over.status).toBe(404);
    expect(over.text).toMatch(/404\.14 URL Too Long: the path is 4097 bytes, maxUrl is 4096/);
  });
});
