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
  const res = await fetch(sb.url + path, {
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

  it('serves the routes behind a tenant prefix too', async () => {
    const r = await call('GET', `/Cust12345/api/v1/Ticket/${ticket}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ TicketId: ticket, Title: 'T', NumMessages: 1 });
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
    expect(parseFilter("messageId eq 'a\\\\b'")).toEqual({ column: 'messageId', value: 'a\\b' });
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
