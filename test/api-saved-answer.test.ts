import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAttachmentStore } from '../src/state/attachments.js';
import { sandboxApiConfig, testClient } from './helpers/sandbox.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that answers every request with `body` (200, JSON). */
async function answering(body: unknown): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const text = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the PUT and POST answer: only what the flow reads is checked (issue 13)', () => {
  it('reads EjMessageId and Ticket.TicketId, also as Slim display strings, and passes the rest on', async () => {
    const url = await answering({ EjMessageId: '4711', Ticket: { TicketId: '12', Title: 't' }, Body: null });
    const { client } = await testClient(sandboxApiConfig(url));
    try {
      const saved = await client.putTicketMessage(
        4711,
        { EjMessageId: 4711 },
        { select: ['EjMessageId', 'Ticket'] },
      );
      expect(saved).toEqual({ EjMessageId: 4711, Ticket: { TicketId: 12, Title: 't' }, Body: null });
      const created = await client.postTicketMessage({ EjMessageId: 0, Ticket: { TicketId: 12 } });
      expect(created.EjMessageId).toBe(4711);
    } finally {
      await client.close();
    }
  });

  it.each([
    [{ Ticket: { TicketId: 1 } }, 'EjMessageId'],
    [{ EjMessageId: 'abc' }, 'EjMessageId'],
    [{ EjMessageId: 1, Ticket: { TicketId: 'x' } }, 'Ticket.TicketId'],
    [{ EjMessageId: 1, Ticket: 'x' }, 'Ticket.TicketId'],
    [[1], 'EjMessageId'],
  ])('an answer without them is E_API_RESPONSE, not retried: %j', async (body, field) => {
    const url = await answering(body);
    const { client, delays } = await testClient(sandboxApiConfig(url));
    try {
      const err = await client.putTicketMessage(1, { EjMessageId: 1 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_API_RESPONSE', retryable: false });
      expect((err as Error).message).toContain(field);
      expect(delays).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('attachment records: FULL only where a loss would create a second row', () => {
  it('every state is recorded and read back; the connection stays NORMAL between commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-att-sync-'));
    const store = new SqliteAttachmentStore(dir);
    try {
      const rec = { ticketMessageId: 7, sha256: 'ab', name: 'a.pdf', size: 3, messageId: '<m@x>' };
      for (const state of ['intent', 'created', 'uploaded', 'connected'] as const) {
        await store.put({ ...rec, state, ...(state === 'intent' ? {} : { attachmentId: 9 }) });
        // read by another connection: committed, whatever the commit's durability
        const other = new Database(store.path, { readonly: true });
        expect(other.prepare('SELECT state, attachment_id FROM attachment_uploads').get()).toEqual({
          state,
          attachment_id: state === 'intent' ? null : 9,
        });
        other.close();
      }
      const db = (store as unknown as { db: Database.Database }).db;
      // 1 = NORMAL (https://sqlite.org/pragma.html#pragma_synchronous)
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(await store.forMessage(7)).toMatchObject([{ state: 'connected', attachmentId: 9 }]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
