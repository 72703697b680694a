import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openMessageIndex } from '../src/state/open.js';
import { OverlayIndex } from '../src/state/overlay.js';
import { SCHEMA_VERSION } from '../src/state/schema.js';
import { INDEX_FILE, openSqliteIndex, type SqliteIndex } from '../src/state/sqlite.js';
import type { MessageIndex } from '../src/state/store.js';

const dirs: string[] = [];
const open: { close(): Promise<void> }[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'm2t-state-'));
  dirs.push(d);
  return d;
}
function track<T extends { close(): Promise<void> }>(x: T): T {
  open.push(x);
  return x;
}
afterEach(async () => {
  for (const x of open.splice(0)) await x.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const hashFile = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

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

describe('SQLite message index', () => {
  it('creates the state directory on demand, in WAL mode, at the current schema version', async () => {
    const stateDir = join(tempDir(), 'nested', 'state');
    const index = track(openSqliteIndex({ stateDir }));
    await seed(index);
    const file = join(stateDir, INDEX_FILE);
    expect(existsSync(file)).toBe(true);
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
  });

  it('survives a restart: messages, referenced ids, participants, tickets, processed marks', async () => {
    const stateDir = tempDir();
    const first = openSqliteIndex({ stateDir });
    await seed(first);
    await first.close();

    const index = track(openSqliteIndex({ stateDir }));
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
    const index = track(openSqliteIndex({ stateDir: tempDir() }));
    await seed(index);
    await index.putMessage({ messageId: '<reply@x>', threadRoot: '<reply@x>', source: 'api', ticketId: 15 });
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

  it('joins two provisional threads when a mail shows they are one', async () => {
    const index = track(openSqliteIndex({ stateDir: tempDir() }));
    // x answered p (In-Reply-To only) before p arrived: x's thread is keyed by p.
    await index.recordMail({ messageId: '<x@h>', threadRoot: '<p@h>', from: 'c@h', related: ['<p@h>'] });
    // p arrives: a reply to the root r.
    await index.recordMail({ messageId: '<p@h>', threadRoot: '<r@h>', from: 'a@h', related: ['<r@h>'] });
    expect((await index.getMessage('<x@h>'))?.threadRoot).toBe('<r@h>');
    expect((await index.getMessage('<p@h>'))?.threadRoot).toBe('<r@h>');
    expect(await index.getParticipants({ threadRoot: '<r@h>' })).toEqual(['a@h', 'c@h']);
  });

  it('serialises concurrent recordMail calls and two connections (daemons) on one file', async () => {
    const stateDir = tempDir();
    const a = track(openSqliteIndex({ stateDir }));
    const b = track(openSqliteIndex({ stateDir }));
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

  it('recreates a state directory deleted while it runs', async () => {
    const stateDir = join(tempDir(), 'state');
    const index = track(openSqliteIndex({ stateDir }));
    await seed(index);
    rmSync(stateDir, { recursive: true, force: true });
    await index.recordMail({ messageId: '<after@x>', threadRoot: '<after@x>', related: [] });
    expect(existsSync(join(stateDir, INDEX_FILE))).toBe(true);
    expect(await index.isProcessed('<after@x>')).toBe(true);
    // What was lost is lost (it is a cache): the API and a repeat PUT restore it.
    expect(await index.isProcessed('<root@x>')).toBe(false);
  });

  it('sets a corrupt database aside and starts a new one', async () => {
    const stateDir = tempDir();
    writeFileSync(
      join(stateDir, INDEX_FILE),
      'this is not a database, it is a text file of some length.'.repeat(20),
    );
    const index = track(openSqliteIndex({ stateDir }));
    await seed(index);
    expect(await index.isProcessed('<root@x>')).toBe(true);
    expect(readdirSync(stateDir).some((f) => f.startsWith(`${INDEX_FILE}.corrupt-`))).toBe(true);
  });

  it('refuses a database written by a newer schema with E_STATE', () => {
    const stateDir = tempDir();
    const raw = new Database(join(stateDir, INDEX_FILE));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openSqliteIndex({ stateDir })).toThrow(
      expect.objectContaining({
        code: 'E_STATE',
        message: expect.stringMatching(/newer than this mail2ticket/),
      }),
    );
  });
});

describe('dry run: read-only base with an in-memory overlay', () => {
  it('creates nothing when the state directory does not exist', async () => {
    const stateDir = join(tempDir(), 'absent');
    const { index, close } = openMessageIndex({ stateDir, dryRun: true });
    await seed(index);
    expect(await index.isProcessed('<reply@x>')).toBe(true);
    await close();
    expect(existsSync(stateDir)).toBe(false);
  });

  it('reads what live runs learned, writes only to memory, and leaves the file unchanged', async () => {
    const stateDir = tempDir();
    const live = openSqliteIndex({ stateDir });
    await seed(live);
    await live.close();
    const file = join(stateDir, INDEX_FILE);
    const before = hashFile(file);

    const run = async () => {
      const { index, close } = openMessageIndex({ stateDir, dryRun: true });
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
    expect(hashFile(file)).toBe(before);

    const check = track(openSqliteIndex({ stateDir, readOnly: true }));
    expect(await check.isProcessed('<new@x>')).toBe(false);
    expect(await check.getTicket(12)).toEqual({ ticketId: 12 });
  });

  it('a read-only index refuses writes with E_STATE', async () => {
    const stateDir = tempDir();
    await openSqliteIndex({ stateDir }).close();
    const ro: SqliteIndex = track(openSqliteIndex({ stateDir, readOnly: true }));
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
