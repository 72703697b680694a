import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  MappedPayloadSchema,
  TicketMessageRequestSchema,
  TicketMessageResponseSchema,
} from '../src/schema/entity.js';

/** The JSON bodies of SuperOffice's own reference page for PUT TicketMessage/{id}. */
function specBodies(): { request: unknown; response: unknown } {
  const page = readFileSync(new URL('../fixtures/spec/PUT-TicketMessage.md', import.meta.url), 'utf8');
  const blocks = [...page.matchAll(/```http[!_]?\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((b) => b.includes('\n{'));
  const json = (block: string) => JSON.parse(block.slice(block.indexOf('\n{') + 1));
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  return {
    request: json(blocks.find((b) => b.startsWith('PUT'))!),
    response: json(blocks.find((b) => b.startsWith('HTTP/1.1 200'))!),
  };
}

describe('TicketMessageEntity schema', () => {
  it('accepts the sample request of the API reference page', () => {
    const { request } = specBodies();
    const parsed = TicketMessageRequestSchema.parse(request);
    expect(parsed.EjMessageId).toBe(705);
    expect(parsed.MessageCategory).toBe('Bounce');
    expect(parsed.MessageHeaders).toHaveLength(2);
  });

  it('accepts the sample response and keeps unknown fields', () => {
    const { response } = specBodies();
    const parsed = TicketMessageResponseSchema.parse({ ...(response as object), FutureField: 42 });
    expect(parsed.EjMessageId).toBe(520);
    expect(parsed.Ticket?.FieldProperties?.fieldName?.FieldLength).toBe(325);
    expect((parsed as Record<string, unknown>).FutureField).toBe(42);
  });

  it('type-checks known fields', () => {
    const { response } = specBodies();
    const bad = { ...(response as object), Slevel: 'Public', Important: 'yes' };
    const result = TicketMessageResponseSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['Slevel', 'Important']));
  });

  it('rejects a mapped payload with a field the mapper does not own', () => {
    const ok = {
      Author: 'a@example.com',
      Slevel: 'External',
      Type: 'Plain',
      MessageId: '<x@y>',
      Body: 'hi',
      HtmlBody: '',
      EmailHeader: 'From: a@example.com',
      DebugInfo: '',
      MailSorter: 'm',
      MessageCategory: 'Message',
      SearchTitle: 's',
      MessageHeaders: [],
      Important: false,
    };
    expect(MappedPayloadSchema.safeParse(ok).success).toBe(true);
    expect(MappedPayloadSchema.safeParse({ ...ok, TimeSpent: 5 }).success).toBe(false);
    expect(MappedPayloadSchema.safeParse({ ...ok, CreatedAt: 'yesterday' }).success).toBe(false);
  });
});
