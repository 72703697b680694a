import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from './helpers/sandbox.js';

const headers = {
  authorization: `Basic ${Buffer.from('sandbox:sandbox').toString('base64')}`,
  'content-type': 'application/json',
};

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

describe('sandbox request counters by route (issue 13: what each mail spends its requests on)', () => {
  it('counts every API request under its method and path with ids as {id}; not control routes or 404s', async () => {
    const ticket = sb.store.addTicket({ Title: 'T' }).TicketId;
    const a = sb.store.addMessage(ticket, { MessageId: '<a@x>' });
    const b = sb.store.addMessage(ticket, { MessageId: '<b@x>' });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(sb.url + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    await call('GET', `/api/v1/TicketMessage/${a}`);
    await call('GET', `/api/v1/TicketMessage/${b}`);
    await call('GET', `/api/v1/TicketMessage?$filter=${encodeURIComponent("messageId is '<a@x>'")}`);
    await call('POST', '/api/v1/Agents/Ticket/ResolveTicketId', { TicketId: ticket });
    await call('GET', `/api/v1/TicketMessage/${a}/Attachment`);
    await call('GET', '/sandbox/state');
    await call('GET', '/nowhere/api/v1/TicketMessage/1');
    const { counters } = sb.state();
    expect(counters.byRoute).toEqual({
      'GET /TicketMessage/{id}': 2,
      'GET /TicketMessage': 1,
      'POST /Agents/Ticket/ResolveTicketId': 1,
      'GET /TicketMessage/{id}/Attachment': 1,
    });
    expect(counters.requests).toBe(5);
  });
});
