import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { odataString } from '../src/api/odata.js';
import { parseFilter } from '../src/sandbox/odata.js';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

const BASIC = `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`;
const headers = { authorization: BASIC, 'content-type': 'application/json' };

let sb: Sandbox;
let ticket: number;
let msg: number;
beforeEach(async () => {
  sb = await startSandbox();
  ticket = sb.store.addTicket({ Title: 'T' }).TicketId;
  msg = sb.store.addMessage(ticket, { MessageId: '<a@x>', TimeSpent: 3, CustomFields: { k: 'v' } });
});
afterEach(async () => {
  await sb.close();
});

async function call(method: string, path: string, body?: unknown, h: Record<string, string> = headers) {
  return callOn(sb, method, path, body, h);
}

async function callOn(
  on: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  h: Record<string, string> = headers,
) {
  const res = await fetch(on.url + path, {
    method,
    headers: h,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

describe('sandbox API', () => {
  it('checks credentials and answers with SuperOffice’s error shape', async () => {
    const r = await call('GET', `/api/v1/TicketMessage/${msg}`, undefined, {});
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ Error: true, ErrorType: 'SoUnauthorizedException' });
    expect(r.json.ErrorMessage).toBeTypeOf('string');
    const wrong = `Basic ${Buffer.from('sandbox:nope').toString('base64')}`;
    expect(
      (await call('GET', `/api/v1/TicketMessage/${msg}`, undefined, { authorization: wrong })).status,
    ).toBe(401);
    expect((await call('GET', `/api/v1/TicketMessage/${msg}`)).status).toBe(200);
  });

  it('400 for a PUT without a body, for a mismatched id and for an invalid entity; 404 for unknown ids', async () => {
    const empty = await call('PUT', `/api/v1/TicketMessage/${msg}`);
    expect(empty.status).toBe(400);
    expect(empty.json.ErrorMessage).toBe('Entity to save is not in request body');
    expect((await call('PUT', `/api/v1/TicketMessage/${msg}`, { EjMessageId: 99 })).status).toBe(400);
    const invalid = await call('PUT', `/api/v1/TicketMessage/${msg}`, { EjMessageId: msg, Type: 'Rtf' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.ErrorMessage).toContain('Type');
    expect((await call('GET', '/api/v1/TicketMessage/999')).status).toBe(404);
    expect((await call('PUT', '/api/v1/TicketMessage/999', { EjMessageId: 999 })).status).toBe(404);
    expect((await call('GET', '/api/v1/Ticket/999')).status).toBe(404);
    expect((await call('GET', '/api/v1/Nope')).status).toBe(404);
  });

  it('PUT replaces the whole entity: what the body leaves out is gone', async () => {
    const r = await call('PUT', `/api/v1/TicketMessage/${msg}`, { EjMessageId: msg, Body: 'only this' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ EjMessageId: msg, Body: 'only this', Ticket: { TicketId: ticket } });
    expect(r.json.TimeSpent).toBeUndefined();
    expect(r.json.CustomFields).toBeUndefined();
    expect(r.json._Links.Self).toBe(`${sb.url}/api/v1/TicketMessage/${msg}`);
  });

  it('filters the list on messageId, with escaped quotes, answering Slim strings', async () => {
    const q = sb.store.addMessage(ticket, { MessageId: "<it's@x>" });
    const filter = encodeURIComponent(`messageId is ${odataString("<it's@x>")}`);
    const r = await call(
      'GET',
      `/api/v1/TicketMessage?$select=ticketMessageId,ticketId,messageId&$filter=${filter}`,
    );
    expect(r.json.value).toEqual([
      {
        PrimaryKey: q,
        EntityName: 'ticketmessage',
        ticketMessageId: String(q),
        ticketId: String(ticket),
        messageId: "<it's@x>",
      },
    ]);
    const bad = await call('GET', `/api/v1/TicketMessage?$filter=${encodeURIComponent("body contains 'x'")}`);
    expect(bad.status).toBe(400);
    expect(parseFilter("messageId eq 'a\\\\b'")).toEqual({
      column: 'messageId',
      operator: 'equals',
      value: 'a\\b',
    });
  });

  it('resolves merged tickets (null for unknown) and creates messages by POST', async () => {
    const t2 = sb.store.addTicket({ Title: 'T2' }).TicketId;
    sb.store.mergeTicket(ticket, t2);
    expect((await call('POST', '/api/v1/Agents/Ticket/ResolveTicketId', { TicketId: ticket })).json).toBe(t2);
    expect((await call('POST', '/api/v1/Agents/Ticket/ResolveTicketId', { TicketId: 404 })).json).toBeNull();
    const noTicket = await call('POST', '/api/v1/TicketMessage', { EjMessageId: 0, MessageId: '<n@x>' });
    expect(noTicket.status).toBe(400);
    const created = await call('POST', '/api/v1/TicketMessage', { EjMessageId: 0, Ticket: { TicketId: t2 } });
    expect(created.json).toMatchObject({ Ticket: { TicketId: t2 }, CreatedBy: { AssociateId: 1 } });
    const state = (await call('GET', '/sandbox/state', undefined, {})).json;
    expect(state.messages).toHaveLength(2);
    expect(state.tickets.find((t: { TicketId: number }) => t.TicketId === ticket)).toMatchObject({
      BaseStatus: 'Merged',
      ConnectId: t2,
    });
    expect(state.counters.posts).toBe(1);
  });

  it('injects faults set over HTTP: 500, 429 with Retry-After, dropped connections', async () => {
    const set = await call(
      'PUT',
      '/sandbox/faults',
      { queue: ['500', '429', 'drop'], retryAfterSeconds: 7 },
      {},
    );
    expect(set.status).toBe(200);
    expect((await call('GET', `/api/v1/TicketMessage/${msg}`)).status).toBe(500);
    const limited = await call('GET', `/api/v1/TicketMessage/${msg}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    await expect(call('GET', `/api/v1/TicketMessage/${msg}`)).rejects.toThrow();
    expect((await call('GET', `/api/v1/TicketMessage/${msg}`)).status).toBe(200);
    expect((await call('PUT', '/sandbox/faults', { errorRate: 2 }, {})).status).toBe(400);
  });
});

describe('seeding', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'm2t-seed-'));
    const mail = (id: string, extra: string, subject: string) =>
      `From: c@example.com\r\nTo: s@example.com\r\nSubject: ${subject}\r\nDate: Mon, 4 Mar 2024 10:00:00 +0100\r\n${id ? `Message-ID: ${id}\r\n` : ''}${extra}\r\nhello\r\n`;
    writeFileSync(join(dir, '1.eml'), mail('<one@x>', '', 'Help'));
    writeFileSync(join(dir, '2.eml'), mail('<two@x>', 'In-Reply-To: <one@x>\r\n', 'Re: Help'));
    // References alone does not join (SuperOffice documents only In-Reply-To).
    writeFileSync(join(dir, '3.eml'), mail('<three@x>', 'References: <one@x>\r\n', 'Re: Help'));
    writeFileSync(join(dir, '4.eml'), mail('', '', 'No id'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a ticket per mail, joined only by In-Reply-To', async () => {
    const seeded = await startSandbox({ seed: [dir] });
    try {
      expect(seeded.seedReport).toEqual({ seeded: 4, tickets: 3, skipped: [] });
      const s = seeded.state();
      const byId = new Map(s.messages.map((m) => [m.MessageId, m]));
      expect(byId.get('<two@x>')!.TicketId).toBe(byId.get('<one@x>')!.TicketId);
      expect(byId.get('<three@x>')!.TicketId).not.toBe(byId.get('<one@x>')!.TicketId);
      expect(byId.get('<one@x>')).toMatchObject({
        Author: 'c@example.com',
        CreatedAt: '2024-03-04T10:00:00+01:00',
        CreatedBy: { AssociateId: 1 },
        MessageHeaders: [{ Name: 'To', Value: 's@example.com' }],
      });
      // The id-less mail is stored under mail2ticket's derived id, so replay can match it.
      expect(
        s.messages.filter((m) => typeof m.MessageId === 'string' && m.MessageId.length > 0),
      ).toHaveLength(4);
      expect(s.tickets.find((t) => t.TicketId === byId.get('<one@x>')!.TicketId)?.Title).toBe('Help');
    } finally {
      await seeded.close();
    }
  });
});

/** SuperOffice's error body, exactly these four fields. */
function expectSoError(json: unknown, errorType: string) {
  expect(Object.keys(json as object).sort()).toEqual(['Error', 'ErrorMessage', 'ErrorSource', 'ErrorType']);
  expect(json).toMatchObject({ Error: true, ErrorType: errorType });
  expect((json as { ErrorMessage: unknown }).ErrorMessage).toBeTypeOf('string');
  expect((json as { ErrorSource: unknown }).ErrorSource).toBeTypeOf('string');
}

describe('where the API is: exactly one base path', () => {
  it('at the root: /api/v1 only; a tenant prefix, a doubled /api, empty segments, unknown routes and methods are 404s', async () => {
    expect(sb.basePath).toBe('');
    expect(sb.tenant).toBeUndefined();
    expect(sb.apiUrl).toBe(`${sb.url}/api`);
    expect((await call('GET', `/api/v1/Ticket/${ticket}`)).status).toBe(200);
    expect((await call('GET', `/API/V1/Ticket/${ticket}`)).status).toBe(200);
    const before = sb.state().counters.requests;
    for (const [method, path] of [
      ['GET', `/Cust12345/api/v1/Ticket/${ticket}`],
      ['GET', `/api/api/v1/Ticket/${ticket}`],
      ['GET', `/x/api/v1/TicketMessage/${msg}`],
      ['PUT', `/Cust12345/api/v1/TicketMessage/${msg}`],
      ['GET', `/api/v1//Ticket/${ticket}`],
      ['GET', `/api/v1/Ticket/${ticket}/`],
      ['GET', '/api/v1'],
      ['GET', '/api/v1/'],
      ['GET', `/v1/Ticket/${ticket}`],
      ['GET', '/api/state/Cust12345'],
      ['GET', '/'],
    ] as const) {
      // No credentials: a path that is not the API is a 404 before any auth check.
      const r = await call(method, path, method === 'PUT' ? { EjMessageId: msg } : undefined, {});
      expect(r.status, `${method} ${path}`).toBe(404);
      expectSoError(r.json, 'SoNotFoundException');
    }
    expect(sb.state().counters.requests).toBe(before);
    // Under the right base path, what SuperOffice serves and the sandbox does not is a 404 too.
    for (const [method, path] of [
      ['DELETE', `/api/v1/TicketMessage/${msg}`],
      ['PATCH', `/api/v1/TicketMessage/${msg}`],
      ['PUT', '/api/v1/TicketMessage'],
      ['GET', `/api/v1/TicketMessage/${msg}/Attachments`], // the route is /Attachment, singular
      ['PUT', `/api/v1/Ticket/${ticket}`],
      ['GET', '/api/v1/Agents/Ticket/ResolveTicketId'],
      ['GET', '/api/v1/Nope'],
    ] as const) {
      const r = await call(method, path);
      expect(r.status, `${method} ${path}`).toBe(404);
      expectSoError(r.json, 'SoNotFoundException');
    }
    expect(sb.store.messages.get(msg)).toBeDefined();
  });

  it('with a tenant: /{tenant}/api/v1 only, control routes and /api/state/{tenant} at the root', async () => {
    const t = await startSandbox({ tenant: 'Cust12345' });
    try {
      expect(t.tenant).toBe('Cust12345');
      expect(t.basePath).toBe('/Cust12345');
      expect(t.apiUrl).toBe(`${t.url}/Cust12345/api`);
      const tk = t.store.addTicket({ Title: 'T' }).TicketId;
      const m = t.store.addMessage(tk, { MessageId: '<t@x>' });
      expect((await callOn(t, 'GET', `/Cust12345/api/v1/Ticket/${tk}`)).status).toBe(200);
      expect((await callOn(t, 'GET', `/cust12345/Api/V1/Ticket/${tk}`)).status).toBe(200);
      const got = await callOn(t, 'GET', `/Cust12345/api/v1/TicketMessage/${m}`);
      expect(got.json._Links.Self).toBe(`${t.url}/Cust12345/api/v1/TicketMessage/${m}`);
      for (const path of [
        `/api/v1/Ticket/${tk}`,
        `/Cust12345/api/api/v1/Ticket/${tk}`,
        `/Cust99999/api/v1/Ticket/${tk}`,
        `/Cust12345/Cust12345/api/v1/Ticket/${tk}`,
        `/x/Cust12345/api/v1/Ticket/${tk}`,
        '/Cust12345/sandbox/state',
        '/Cust12345/api/state/Cust12345',
      ]) {
        const r = await callOn(t, 'GET', path);
        expect(r.status, path).toBe(404);
        expectSoError(r.json, 'SoNotFoundException');
      }
      expect((await callOn(t, 'GET', '/sandbox/state', undefined, {})).status).toBe(200);

      const state = await callOn(t, 'GET', '/api/state/Cust12345', undefined, {});
      expect(state.status).toBe(200);
      expect(state.json).toEqual({
        ContextIdentifier: 'Cust12345',
        Endpoint: `${t.url}/Cust12345`,
        State: 'Running',
        IsRunning: true,
        ValidUntil: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
        Api: t.apiUrl,
      });
      expect(Date.parse(state.json.ValidUntil)).toBeGreaterThan(Date.now());
      const other = await callOn(t, 'GET', '/api/state/Cust1', undefined, {});
      expect(other.status).toBe(404);
      expectSoError(other.json, 'SoNotFoundException');
      expect((await callOn(t, 'POST', '/api/state/Cust12345', {}, {})).status).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('refuses a tenant that is not one path segment, or one the root already uses', async () => {
    for (const tenant of ['', 'a/b', 'Cust 1', '../x', 'api', 'API', 'sandbox', 'Cust1?x']) {
      await expect(startSandbox({ tenant }), tenant).rejects.toThrow(/invalid sandbox tenant/);
    }
  });
});

describe('OData archive list: what SuperOffice documents', () => {
  let other: number;
  beforeEach(() => {
    other = sb.store.addMessage(ticket, { MessageId: "<b+c's@host.example>" });
  });
  const list = async (query: string) => call('GET', `/api/v1/TicketMessage?${query}`);
  const ids = (r: { json: { value: { PrimaryKey: number }[] } }) => r.json.value.map((v) => v.PrimaryKey);

  it('the documented lookup, verbatim and URL-encoded (%20 and + for spaces)', async () => {
    const documented = "$select=ticketMessageId,ticketId,messageId&$filter=messageId is '<a@x>'&$top=5";
    const r = await list(documented);
    expect(r.status).toBe(200);
    expect(r.json.value).toEqual([
      {
        PrimaryKey: msg,
        EntityName: 'ticketmessage',
        ticketMessageId: String(msg),
        ticketId: String(ticket),
        messageId: '<a@x>',
      },
    ]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId is '<a@x>'")}`))).toEqual([msg]);
    expect(ids(await list("$filter=messageId+is+'%3Ca%40x%3E'&$top=5"))).toEqual([msg]);
    // A + that belongs to the value travels as %2B; a backslash-escaped ' inside the value.
    expect(ids(await list(`$filter=${encodeURIComponent("messageId is '<b+c\\'s@host.example>'")}`))).toEqual(
      [other],
    );
  });

  it('operators =, eq, equals, is (exact), begins and contains, in any case', async () => {
    for (const op of ['is', 'IS', '=', 'eq', 'Eq', 'equals', 'EQUALS']) {
      expect(ids(await list(`$filter=${encodeURIComponent(`messageId ${op} '<a@x>'`)}`)), op).toEqual([msg]);
    }
    expect(ids(await list(`$filter=${encodeURIComponent("messageId='<a@x>'")}`))).toEqual([msg]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId is '<a@x'")}`))).toEqual([]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId begins '<b+'")}`))).toEqual([other]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId Begins '<'")}`))).toEqual([msg, other]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId contains 'host.example'")}`))).toEqual([
      other,
    ]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId CONTAINS '@'")}&$top=1`))).toEqual([msg]);
    // Ids: equality, quoted or bare.
    expect(ids(await list(`$filter=${encodeURIComponent(`ticketMessageId eq ${other}`)}`))).toEqual([other]);
    expect(ids(await list(`$filter=${encodeURIComponent(`ticketId = '${ticket}'`)}`))).toEqual([msg, other]);
    expect(parseFilter("messageId contains 'a'")).toEqual({
      column: 'messageId',
      operator: 'contains',
      value: 'a',
    });
  });

  it('$select in any case and order, $top', async () => {
    const r = await list(
      `$select=MESSAGEID,TicketMessageId&$filter=${encodeURIComponent("messageId begins '<'")}&$top=1`,
    );
    expect(r.json.value).toEqual([
      { PrimaryKey: msg, EntityName: 'ticketmessage', messageId: '<a@x>', ticketMessageId: String(msg) },
    ]);
    expect(ids(await list(`$filter=${encodeURIComponent("messageId begins '<'")}&$top=0`))).toEqual([]);
  });

  it('unknown columns, operators, bad values and a bad $top are 400s with SuperOffice’s error body', async () => {
    for (const [what, query] of [
      ['column', "$filter=body contains 'x'"],
      ['column in $select', "$select=nope&$filter=messageId is '<a@x>'"],
      ['operator', "$filter=messageId like '<a@x>'"],
      ['operator', "$filter=messageId isNot '<a@x>'"],
      ['operator', "$filter=messageId ne '<a@x>'"],
      ['operator on an id', `$filter=ticketId contains '${ticket}'`],
      ['unquoted string', '$filter=messageId is abc'],
      ['bare number for a string', '$filter=messageId is 5'],
      ['doubled quote (not SuperOffice’s escape)', "$filter=messageId is 'it''s'"],
      ['dangling and', "$filter=messageId is '<a@x>' and"],
      ['unbalanced bracket', "$filter=(messageId is '<a@x>'"],
      ['no filter', '$select=messageId'],
      ['bad $top', "$filter=messageId is '<a@x>'&$top=five"],
    ] as const) {
      const r = await list(query.replace(/ /g, '%20'));
      expect(r.status, what).toBe(400);
      expectSoError(r.json, 'ODataException');
    }
  });
});
