import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openMessageIndex } from '../src/state/open.js';
import { SCHEMA_VERSION } from '../src/state/schema.js';
import { INDEX_FILE, openSqliteIndex } from '../src/state/sqlite.js';
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

  it('leaves the file byte for byte unchanged (what it reads and writes: test/state-contract.test.ts)', async () => {
    const stateDir = tempDir();
    const live = openSqliteIndex({ stateDir });
    await seed(live);
    await live.close();
    const file = join(stateDir, INDEX_FILE);
    const before = hashFile(file);
    const { index, close } = openMessageIndex({ stateDir, dryRun: true });
    await index.recordMail({
      messageId: '<new@x>',
      threadRoot: '<root@x>',
      ticketId: 12,
      related: ['<reply@x>'],
    });
    await index.putTicket({ ticketId: 12, survivingId: 40 });
    expect(await index.isProcessed('<new@x>')).toBe(true);
    await close();
    expect(hashFile(file)).toBe(before);
  });
});
