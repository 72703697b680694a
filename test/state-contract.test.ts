/**
 * The state stores' contract: the same cases run against SQLite (files in a temp stateDir) and
 * PostgreSQL (a throw-away cluster, one fresh database per test). Store-specific behaviour (SQLite's
 * WAL file, a corrupt file, PostgreSQL's migrations under a lock) is tested in state-sqlite.test.ts
 * and state-postgres.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStateStore, type StateStore } from '../src/daemon/mailbox-state.js';
import { type OpenedIndex, openMessageIndex } from '../src/state/open.js';
import { type AttachmentStore, SqliteAttachmentStore } from '../src/state/attachments.js';
import { OverlayIndex } from '../src/state/overlay.js';
import { openPgAttachmentStore } from '../src/state/postgres/attachments.js';
import { postgresConfigSchema } from '../src/state/postgres/config-schema.js';
import { openPgIndex, openPgStateStore } from '../src/state/postgres/open.js';
import { openSqliteIndex } from '../src/state/sqlite.js';
import type { MessageIndex } from '../src/state/store.js';
import { type PgCluster, postgresAvailable, startPostgres } from './helpers/postgres.js';

/** One empty store (a directory or a database), opened as often as a case needs. */
interface Location {
  index(opts?: { readOnly?: boolean }): MessageIndex;
  attachments(): AttachmentStore;
  dryRun(): OpenedIndex;
  state(): Promise<StateStore>;
}

interface Backend {
  name: string;
  available: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  fresh(): Promise<Location>;
}

const closers: { close(): Promise<void> }[] = [];
function track<T extends { close(): Promise<void> }>(x: T): T {
  closers.push(x);
  return x;
}
afterEach(async () => {
  for (const x of closers.splice(0).reverse()) await x.close();
});

const dirs: string[] = [];
const sqlite: Backend = {
  name: 'SQLite',
  available: true,
  setup: async () => {},
  teardown: async () => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  },
  fresh: async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'm2t-contract-'));
    dirs.push(stateDir);
    return {
      index: (o) => openSqliteIndex({ stateDir, readOnly: o?.readOnly ?? false }),
      dryRun: () => openMessageIndex({ stateDir, dryRun: true }),
      state: async () => new SqliteStateStore(stateDir),
      attachments: () => new SqliteAttachmentStore(stateDir),
    };
  },
};

let cluster: PgCluster | undefined;
const postgres: Backend = {
  name: 'PostgreSQL',
  available: postgresAvailable(import.meta.url),
  setup: async () => {
    cluster = await startPostgres();
  },
  teardown: async () => {
    await cluster?.stop();
  },
  fresh: async () => {
    const url = await cluster!.createDatabase('contract');
    const cfg = postgresConfigSchema.parse({ url, schema: 'm2t', poolSize: 4 });
    return {
      index: (o) => openPgIndex(cfg, { readOnly: o?.readOnly ?? false }),
      dryRun: () => openMessageIndex({ stateDir: '/nonexistent', dryRun: true, postgres: cfg }),
      state: () => openPgStateStore(cfg),
      attachments: () => openPgAttachmentStore(cfg),
    };
  },
};

async function seed(index: MessageIndex): Promise<void> {
  await index.recordMail({
    messageId: '<root@x>',
    threadRoot: '<root@x>',
    ticketId: 12,
    ticketMessageId: 100,
    from: 'Ann@Example.com',
    related: [],
  });
  await index.recordMail({
    messageId: '<reply@x>',
    threadRoot: '<root@x>',
    ticketId: 12,
    ticketMessageId: 101,
    from: 'bob@example.com',
    related: ['<root@x>', '<unseen@x>'],
  });
}

describe.each([sqlite, postgres])('$name store', (backend) => {
  beforeAll(async () => {
    if (backend.available) await backend.setup();
  });
  afterAll(async () => {
    if (backend.available) await backend.teardown();
  });

  describe.skipIf(!backend.available)('message index', () => {
    it('survives a restart: messages, referenced ids, participants, tickets, processed marks', async () => {
      const loc = await backend.fresh();
      const first = loc.index();
      await seed(first);
      await first.close();

      const index = track(loc.index());
      expect(await index.getMessage('<reply@x>')).toEqual({
        messageId: '<reply@x>',
        threadRoot: '<root@x>',
        ticketId: 12,
        ticketMessageId: 101,
        source: 'processed',
      });
      expect(await index.getMessage('<unseen@x>')).toEqual({
        messageId: '<unseen@x>',
        threadRoot: '<root@x>',
        ticketId: 12,
        source: 'referenced',
      });
      expect(await index.getParticipants({ ticketId: 12 })).toEqual(['ann@example.com', 'bob@example.com']);
      expect(await index.getTicket(12)).toEqual({ ticketId: 12 });
      expect(await index.isProcessed('<reply@x>')).toBe(true);
      expect(await index.isProcessed('<unseen@x>')).toBe(false);
      // Message-Ids are compared exactly: the local part is case-sensitive.
      expect(await index.getMessage('<REPLY@x>')).toBeUndefined();
    });

    it('never downgrades a processed entry or blanks a known ticket id', async () => {
      const index = track((await backend.fresh()).index());
      await seed(index);
      await index.putMessage({
        messageId: '<reply@x>',
        threadRoot: '<reply@x>',
        source: 'api',
        ticketId: 15,
      });
      expect(await index.getMessage('<reply@x>')).toEqual({
        messageId: '<reply@x>',
        threadRoot: '<root@x>',
        ticketId: 15,
        ticketMessageId: 101,
        source: 'processed',
      });
      // A referenced id later found through the API becomes an `api` entry.
      await index.putMessage({
        messageId: '<unseen@x>',
        threadRoot: '<unseen@x>',
        source: 'api',
        ticketMessageId: 7,
      });
      const unseen = await index.getMessage('<unseen@x>');
      expect(unseen?.source).toBe('api');
      expect(unseen?.ticketId).toBe(12);
      expect(unseen?.ticketMessageId).toBe(7);
    });

    it('keeps a merged ticket and marks processed without threading data', async () => {
      const index = track((await backend.fresh()).index());
      await index.putTicket({ ticketId: 7, survivingId: 9 });
      await index.putTicket({ ticketId: 7 });
      expect(await index.getTicket(7)).toEqual({ ticketId: 7, survivingId: 9 });
      expect(await index.getTicket(8)).toBeUndefined();
      await index.markProcessed('<skipped@x>');
      expect(await index.isProcessed('<skipped@x>')).toBe(true);
      await index.addParticipant({ threadRoot: '<t@x>' }, ' Zed@X ');
      expect(await index.getParticipants({ threadRoot: '<t@x>' })).toEqual(['zed@x']);
    });

    it('joins two provisional threads when a mail shows they are one', async () => {
      const index = track((await backend.fresh()).index());
      // x answered p (In-Reply-To only) before p arrived: x's thread is keyed by p.
      await index.recordMail({ messageId: '<x@h>', threadRoot: '<p@h>', from: 'c@h', related: ['<p@h>'] });
      // p arrives: a reply to the root r.
      await index.recordMail({ messageId: '<p@h>', threadRoot: '<r@h>', from: 'a@h', related: ['<r@h>'] });
      expect((await index.getMessage('<x@h>'))?.threadRoot).toBe('<r@h>');
      expect((await index.getMessage('<p@h>'))?.threadRoot).toBe('<r@h>');
      expect(await index.getParticipants({ threadRoot: '<r@h>' })).toEqual(['a@h', 'c@h']);
    });

    it('serialises concurrent recordMail calls from two connections (daemons) on one store', async () => {
      const loc = await backend.fresh();
      const a = track(loc.index());
      const b = track(loc.index());
      const writes = Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).recordMail({
          messageId: `<m${i}@x>`,
          threadRoot: '<m0@x>',
          ticketId: 5,
          from: `p${i % 3}@x`,
          related: i > 0 ? [`<m${i - 1}@x>`] : [],
        }),
      );
      await Promise.all(writes);
      for (let i = 0; i < 40; i++) expect(await a.isProcessed(`<m${i}@x>`)).toBe(true);
      expect(await b.getParticipants({ ticketId: 5 })).toEqual(['p0@x', 'p1@x', 'p2@x']);
      expect((await b.getMessage('<m39@x>'))?.source).toBe('processed');
    });

    it('dry run: reads what live runs learned, writes only to memory, the same answer twice', async () => {
      const loc = await backend.fresh();
      const live = loc.index();
      await seed(live);
      await live.close();
      const run = async () => {
        const { index, close } = loc.dryRun();
        const seen = {
          knownBefore: await index.getMessage('<reply@x>'),
          dupBefore: await index.isProcessed('<new@x>'),
        };
        await index.recordMail({
          messageId: '<new@x>',
          threadRoot: '<root@x>',
          ticketId: 12,
          from: 'carol@example.com',
          related: ['<reply@x>', '<other@x>'],
        });
        await index.putTicket({ ticketId: 12, survivingId: 40 });
        const after = {
          ...seen,
          dupAfter: await index.isProcessed('<new@x>'),
          other: await index.getMessage('<other@x>'),
          participants: await index.getParticipants({ ticketId: 12 }),
          ticket: await index.getTicket(12),
        };
        await close();
        return after;
      };
      const first = await run();
      const second = await run();
      expect(second).toEqual(first);
      expect(first.knownBefore?.ticketId).toBe(12);
      expect(first.dupBefore).toBe(false);
      expect(first.dupAfter).toBe(true);
      expect(first.other).toMatchObject({ threadRoot: '<root@x>', source: 'referenced', ticketId: 12 });
      expect(first.participants).toEqual(['ann@example.com', 'bob@example.com', 'carol@example.com']);
      expect(first.ticket).toEqual({ ticketId: 12, survivingId: 40 });
      const check = track(loc.index({ readOnly: true }));
      expect(await check.isProcessed('<new@x>')).toBe(false);
      expect(await check.getTicket(12)).toEqual({ ticketId: 12 });
    });

    it('a read-only index refuses writes with E_STATE; an overlay over it writes to memory', async () => {
      const loc = await backend.fresh();
      const w = loc.index();
      await seed(w);
      await w.close();
      const ro = track(loc.index({ readOnly: true }));
      await expect(
        ro.recordMail({ messageId: '<a@x>', threadRoot: '<a@x>', related: [] }),
      ).rejects.toMatchObject({
        code: 'E_STATE',
      });
      const overlay = new OverlayIndex(ro);
      await overlay.markProcessed('<a@x>');
      expect(await overlay.isProcessed('<a@x>')).toBe(true);
      expect(await ro.isProcessed('<a@x>')).toBe(false);
    });
  });

  describe.skipIf(!backend.available)('attachment records', () => {
    it('walk intent -> created -> connected across a reopen, never blanking a created row id', async () => {
      const loc = await backend.fresh();
      const first = loc.attachments();
      const rec = { ticketMessageId: 7, sha256: 'ab'.repeat(32), name: 'a.pdf', size: 3, messageId: '<m@x>' };
      await first.put({ ...rec, state: 'intent' });
      await first.put({ ...rec, state: 'created', attachmentId: 42 });
      // A crash before "created" was known to the next attempt writes intent again: the id stays.
      await first.put({ ...rec, state: 'intent' });
      await first.put({ ...rec, name: 'b.txt', sha256: 'cd'.repeat(32), state: 'intent' });
      await first.close();

      const again = track(loc.attachments());
      // Sorted here: the stores order by updated_at, and two writes may share a millisecond.
      const rows = (await again.forMessage(7)).sort((a, b) => a.name.localeCompare(b.name));
      expect(rows.map((r) => [r.name, r.state, r.attachmentId])).toEqual([
        ['a.pdf', 'intent', 42],
        ['b.txt', 'intent', undefined],
      ]);
      await again.put({ ...rec, state: 'connected', attachmentId: 42 });
      expect((await again.forMessage(7)).find((r) => r.name === 'a.pdf')).toEqual({
        ...rec,
        state: 'connected',
        attachmentId: 42,
      });
      expect(await again.forMessage(8)).toEqual([]);
    });
  });

  describe.skipIf(!backend.available)('mailbox state', () => {
    it('follows a mail from first sight to applied, and survives a reopen', async () => {
      const loc = await backend.fresh();
      const store = await loc.state();
      const s = store.mailbox('box');
      expect(await s.uidValidity()).toBe('');
      expect(await s.syncUidValidity('100', 1)).toEqual({ changed: false, previous: '' });
      expect(await s.floor()).toBe(1);
      expect(await s.firstSeen(3, '<m3@x>', 1000)).toBe(1000);
      expect(await s.firstSeen(3, '<m3@x>', 2000)).toBe(1000);
      expect(await s.beginAttempt(3, '<m3@x>', 3000)).toMatchObject({
        uid: 3,
        status: 'pending',
        attempts: 1,
        firstSeen: 1000,
        lastAttempt: 3000,
      });
      expect((await s.beginAttempt(3, '<m3@x>', 4000)).attempts).toBe(2);
      await s.refundAttempt(3);
      expect((await s.get(3))?.attempts).toBe(1);
      expect(await s.isMessageIdDone('<m3@x>')).toBe(false);
      await s.markAccepted(3, 'updated', '<m3@x>', 5000);
      // Done, the server action owed.
      expect(await s.owed()).toMatchObject([{ uid: 3, status: 'done', outcome: 'updated', applied: 0 }]);
      expect(await s.isMessageIdDone('m3@x')).toBe(true);
      await s.markApplied(3);
      expect(await s.owed()).toEqual([]);
      await s.setFloor(4, 6000);
      await store.close();

      const again = track(await loc.state());
      const t = again.mailbox('box');
      expect(await t.uidValidity()).toBe('100');
      expect(await t.floor()).toBe(4);
      expect(await t.get(3)).toEqual({
        uid: 3,
        status: 'done',
        outcome: 'updated',
        messageId: '<m3@x>',
        attempts: 1,
        firstSeen: 1000,
        lastAttempt: 4000,
        nextAttempt: null,
        lastError: null,
        applied: 1,
      });
      expect(await t.counts()).toEqual({ done: 1 });
      // Another mailbox in the same store knows nothing of it.
      expect(await again.mailbox('other').get(3)).toBeUndefined();
      expect(await again.mailbox('other').isMessageIdDone('<m3@x>')).toBe(false);
      await t.checkLease();
    });

    it('deferred and quarantined mail: retry time, counts, the reason kept', async () => {
      const store = track(await (await backend.fresh()).state());
      const s = store.mailbox('box');
      await s.syncUidValidity('7', 1);
      for (const uid of [1, 2, 3]) {
        await s.firstSeen(uid, `<q${uid}@x>`, 10);
        await s.beginAttempt(uid, `<q${uid}@x>`, 10);
      }
      expect(await s.nextDeferredDue()).toBeUndefined();
      await s.markDeferred(1, 'E_API_HTTP: 500', 9000);
      await s.markDeferred(2, 'E_API_HTTP: 502', 7000);
      expect(await s.nextDeferredDue()).toBe(7000);
      await s.markQuarantined(3, 'E_MIME_MALFORMED: broken', '<q3@x>', 20, {
        path: '/q/7-3.eml',
        host: 'h1',
      });
      expect(await s.get(3)).toMatchObject({
        status: 'quarantined',
        lastError: 'E_MIME_MALFORMED: broken',
        applied: 0,
      });
      expect(await s.counts()).toEqual({ deferred: 2, quarantined: 1 });
      expect(await s.get(2)).toMatchObject({ status: 'pending', outcome: 'deferred', nextAttempt: 7000 });
    });

    it('a new UIDVALIDITY voids the UIDs (RFC 3501 2.3.1.1) but keeps done Message-Ids', async () => {
      const store = track(await (await backend.fresh()).state());
      const s = store.mailbox('box');
      await s.syncUidValidity('1', 1);
      await s.firstSeen(5, '<u@x>', 1);
      await s.markAccepted(5, 'created', '<u@x>', 2);
      await s.setFloor(6, 2);
      expect(await s.syncUidValidity('2', 3)).toEqual({ changed: true, previous: '1' });
      expect(await s.floor()).toBe(1);
      expect(await s.get(5)).toBeUndefined();
      expect(await s.counts()).toEqual({});
      expect(await s.isMessageIdDone('<u@x>')).toBe(true);
    });
  });
});
