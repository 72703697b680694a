import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SuperOfficeClient } from '../src/api/client.js';
import { applyLive } from '../src/api/live.js';
import type { MappedPayload } from '../src/schema/entity.js';
import {
  capturingLogger,
  decisionFor,
  payloadFor,
  type Sandbox,
  sandboxApiConfig,
  startSandbox,
  testClient,
} from './helpers/sandbox.js';

let sb: Sandbox;
let client: SuperOfficeClient;
let ticket: number;
let msg: number;

/** What a real tenant has on an imported message and the mail does not determine. */
const KEPT = {
  CreatedBy: { AssociateId: 17, Name: 'agent', Type: 'InternalAssociate' },
  TimeSpent: 42,
  Person: { PersonId: 9, Email: 'customer@example.com' },
  ExtraFields: { x_legacy: 'keep me' },
  CustomFields: { SuperOffice_udef1: 'keep me too' },
  FieldAddedInAFutureVersion: { nested: [1, 2] },
};

beforeEach(async () => {
  sb = await startSandbox();
  ticket = sb.store.addTicket({ Title: 'Printer on fire' }).TicketId;
  msg = sb.store.addMessage(ticket, { MessageId: '<m1@example.com>', Body: 'old', HtmlBody: '', ...KEPT });
  ({ client } = await testClient(sandboxApiConfig(sb.apiUrl)));
});
afterEach(async () => {
  await client.close();
  await sb.close();
});

const live = (
  payload: MappedPayload,
  ticketId?: number,
  onUnmatched: 'defer' | 'create' | 'skip' = 'defer',
) => applyLive({ payload, decision: decisionFor(payload.MessageId, ticketId) }, client, { onUnmatched });

describe('matched message', () => {
  it('updated: overlays the mapper fields and PUTs the whole entity back, keeping the rest', async () => {
    const payload = payloadFor('<m1@example.com>', { Important: true, MessageCategory: 'Bounce' });
    expect(await live(payload)).toEqual({ outcome: 'updated', entityId: msg, ticketId: ticket });
    const stored = sb.store.messages.get(msg)!;
    expect(stored.ticketId).toBe(ticket);
    expect(stored.entity).toMatchObject({
      ...KEPT,
      Body: payload.Body,
      HtmlBody: payload.HtmlBody,
      Important: true,
      MessageCategory: 'Bounce',
      CreatedAt: payload.CreatedAt,
      DebugInfo: 'mapped by test',
    });
    expect(sb.state().counters.puts).toBe(1);
  });

  it('keeps the stored spelling of the Message-Id (bare) when the mail has brackets', async () => {
    const bare = sb.store.addMessage(ticket, { MessageId: 'bare@example.com' });
    expect(await live(payloadFor('<bare@example.com>'))).toMatchObject({
      outcome: 'updated',
      entityId: bare,
    });
    expect(sb.store.messages.get(bare)!.entity.MessageId).toBe('bare@example.com');
  });

  it('re-threaded: moves the message to the ticket threading chose', async () => {
    const other = sb.store.addTicket({ Title: 'the real conversation' }).TicketId;
    expect(await live(payloadFor('<m1@example.com>'), other)).toEqual({
      outcome: 're-threaded',
      entityId: msg,
      ticketId: other,
    });
    expect(sb.store.messages.get(msg)!.ticketId).toBe(other);
    expect(sb.store.messages.get(msg)!.entity).toMatchObject(KEPT);
  });

  it('follows a merge to the surviving ticket; same ticket means a plain update', async () => {
    const survivor = sb.store.addTicket({ Title: 'survivor' }).TicketId;
    const merged = sb.store.addTicket({ Title: 'merged' }).TicketId;
    sb.store.mergeTicket(merged, survivor);
    expect(await live(payloadFor('<m1@example.com>'), merged)).toMatchObject({
      outcome: 're-threaded',
      ticketId: survivor,
    });
    expect(await live(payloadFor('<m1@example.com>'), survivor)).toMatchObject({
      outcome: 'updated',
      ticketId: survivor,
    });
  });

  it('does not move to a ticket that does not exist', async () => {
    expect(await live(payloadFor('<m1@example.com>'), 9999)).toMatchObject({
      outcome: 'updated',
      ticketId: ticket,
    });
    expect(sb.store.messages.get(msg)!.ticketId).toBe(ticket);
  });
});

describe('unmatched mail', () => {
  it('defer (default), skip: nothing written', async () => {
    expect(await live(payloadFor('<new@example.com>'))).toMatchObject({
      outcome: 'deferred',
      error: { code: 'E_UNMATCHED' },
    });
    expect(await live(payloadFor('<new@example.com>'), ticket, 'skip')).toEqual({ outcome: 'skipped' });
    const s = sb.state();
    expect(s.counters.puts + s.counters.posts).toBe(0);
    expect(s.messages).toHaveLength(1);
  });

  it('create: POSTs on the threaded ticket with the server defaults', async () => {
    const r = await live(payloadFor('<new@example.com>'), ticket, 'create');
    expect(r).toMatchObject({ outcome: 'created', ticketId: ticket });
    const created = sb.store.messages.get(r.entityId!)!;
    expect(created.ticketId).toBe(ticket);
    expect(created.entity).toMatchObject({ MessageId: '<new@example.com>', CreatedBy: { AssociateId: 1 } });
    // Replaying the same mail now finds and updates it instead of creating another.
    expect(await live(payloadFor('<new@example.com>'), ticket, 'create')).toMatchObject({
      outcome: 'updated',
      entityId: r.entityId,
    });
    expect(sb.state().counters.posts).toBe(1);
  });

  it('create without a ticket (or with an unknown one) quarantines with the reason', async () => {
    expect(await live(payloadFor('<new@example.com>'), undefined, 'create')).toMatchObject({
      outcome: 'quarantined',
      error: { code: 'E_NO_TICKET' },
    });
    const r = await live(payloadFor('<new@example.com>'), 777, 'create');
    expect(r).toMatchObject({ outcome: 'quarantined', error: { code: 'E_NO_TICKET' } });
    expect(r.error!.message).toContain('777');
    expect(sb.state().counters.posts).toBe(0);
  });

  it('create survives a lost POST answer without creating a duplicate', async () => {
    sb.setFaults({ match: '^POST /TicketMessage$', queue: ['drop-after', '500', 'drop-after'] });
    const r = await live(payloadFor('<lost@example.com>'), ticket, 'create');
    expect(r).toMatchObject({ outcome: 'created', ticketId: ticket });
    expect(sb.store.findByMessageId('<lost@example.com>')).toEqual([r.entityId]);
    expect(sb.state().counters.posts).toBe(1);
  });
});

describe('failures', () => {
  it('a permanent API error quarantines the mail with the API message', async () => {
    const bad = payloadFor('<m1@example.com>', { Slevel: 'Nope' as never });
    const r = await live(bad);
    expect(r.outcome).toBe('quarantined');
    expect(r.error?.code).toBe('E_API_HTTP');
    expect(r.error?.message).toContain('ValidationException');
    expect(r.error?.message).toContain('Slevel');
    expect(sb.store.messages.get(msg)!.entity.Body).toBe('old');
  });

  it('retryable errors outlasting the budget defer the mail, never report it done', async () => {
    await client.close();
    ({ client } = await testClient(
      sandboxApiConfig(sb.apiUrl, {
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 60_000 },
      }),
    ));
    sb.setFaults({ errorRate: 1 });
    expect(await live(payloadFor('<m1@example.com>'))).toMatchObject({
      outcome: 'deferred',
      error: { code: 'E_API_HTTP' },
    });
    sb.setFaults({ match: '^PUT ', dropRate: 1, dropAfterEffectShare: 0 });
    expect(await live(payloadFor('<m1@example.com>'))).toMatchObject({
      outcome: 'deferred',
      error: { code: 'E_API_NETWORK' },
    });
  });

  it('rejected credentials defer (not the mail’s fault), without leaking them', async () => {
    sb.setCredentials({ basic: [{ user: 'sandbox', password: 'other' }] });
    const { logger, lines } = capturingLogger();
    const r = await applyLive(
      { payload: payloadFor('<m1@example.com>'), decision: decisionFor('<m1@example.com>') },
      client,
      { onUnmatched: 'defer', logger },
    );
    expect(r).toMatchObject({ outcome: 'deferred', error: { code: 'E_API_AUTH' } });
    expect(lines.join('')).not.toContain(Buffer.from('sandbox:sandbox').toString('base64'));
  });

  it('an aborted run defers', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await applyLive(
      { payload: payloadFor('<m1@example.com>'), decision: decisionFor('<m1@example.com>') },
      client,
      { onUnmatched: 'defer', signal: ac.signal },
    );
    expect(r).toMatchObject({ outcome: 'deferred', error: { code: 'E_API_ABORTED' } });
  });

  it('under 500s, 429s and dropped connections every mail ends updated, nothing duplicated', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(`<bulk-${i}@example.com>`);
      sb.store.addMessage(ticket, { MessageId: ids[i], ...KEPT });
    }
    sb.setFaults({ errorRate: 0.1, rateLimitRate: 0.05, retryAfterSeconds: 1, dropRate: 0.1, seed: 7 });
    const results = [];
    for (const id of ids) results.push(await live(payloadFor(id)));
    expect(results.map((r) => r.outcome)).toEqual(ids.map(() => 'updated'));
    const s = sb.state();
    expect(s.messages).toHaveLength(41);
    expect(Object.values(s.counters.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
    // Every PUT carried the same entity, so repeats (after lost answers) changed nothing.
    for (const id of ids) {
      const [mid] = sb.store.findByMessageId(id);
      expect(sb.store.messages.get(mid!)!.entity).toMatchObject({ ...KEPT, Body: `body of ${id}` });
    }
  });
});
