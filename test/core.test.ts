import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withRetry } from '../src/api/retry.js';
import { backoffDelay } from '../src/core/backoff.js';
import { sleep } from '../src/core/sleep.js';
import { BUSY_TIMEOUT_MS, openSqlite } from '../src/core/sqlite.js';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { Mail2TicketError } from '../src/errors.js';
import { openSqliteIndex } from '../src/state/sqlite.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'm2t-core-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('backoffDelay', () => {
  const daemon = { initialDelayMs: 1000, maxDelayMs: 8000 };
  const api = { baseDelayMs: 1000, maxDelayMs: 8000 };

  it('stays between half the step and the step, for either spelling of the first wait', () => {
    for (const settings of [daemon, api]) {
      expect([1, 2, 3, 4].map((n) => backoffDelay(n, settings, () => 0))).toEqual([500, 1000, 2000, 4000]);
      expect([1, 2, 3, 4].map((n) => backoffDelay(n, settings, () => 1))).toEqual([1000, 2000, 4000, 8000]);
      expect(backoffDelay(2, settings, () => 0.5)).toBe(1500);
    }
  });

  it('is capped for any number of failures, and attempt 0 counts as the first', () => {
    expect(backoffDelay(10_000, daemon, () => 1)).toBe(8000);
    expect(backoffDelay(10_000, daemon, () => 0)).toBe(4000);
    expect(backoffDelay(0, daemon, () => 1)).toBe(1000);
    // A zero first wait stays zero instead of 0 * Infinity = NaN.
    expect(backoffDelay(10_000, { baseDelayMs: 0, maxDelayMs: 0 }, () => 1)).toBe(0);
  });
});

describe('sleep', () => {
  it('resolves after the time', async () => {
    const started = performance.now();
    await sleep(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('resolves early, without throwing, when the signal aborts', async () => {
    const ac = new AbortController();
    const started = performance.now();
    const done = sleep(60_000, ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 10);
    await expect(done).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('resolves at once on an already aborted signal', async () => {
    const started = performance.now();
    await expect(sleep(60_000, AbortSignal.abort())).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('withRetry turns an abort during its wait into E_API_ABORTED', async () => {
    const ac = new AbortController();
    const policy = { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, maxTotalMs: 3_600_000 };
    const fail = async () => {
      throw new Mail2TicketError('E_API_NETWORK', 'down', { retryable: true });
    };
    setTimeout(() => ac.abort(), 10);
    await expect(withRetry(fail, policy, { signal: ac.signal })).rejects.toMatchObject({
      code: 'E_API_ABORTED',
      message: 'waiting to retry was aborted',
      retryable: false,
    });
  });
});

describe('openSqlite', () => {
  it('sets the busy timeout, WAL and the requested synchronous level on a writer', () => {
    const path = join(tempDir(), 'w.sqlite');
    for (const [synchronous, level] of [
      ['FULL', 2],
      ['NORMAL', 1],
    ] as const) {
      const db = openSqlite(path, { synchronous });
      try {
        expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('synchronous', { simple: true })).toBe(level);
      } finally {
        db.close();
      }
    }
  });

  it('opens an existing file read-only with the busy timeout, and refuses a missing one', () => {
    const path = join(tempDir(), 'r.sqlite');
    expect(() => openSqlite(path, { readonly: true })).toThrow();
    openSqlite(path, { synchronous: 'NORMAL' }).close();
    const db = openSqlite(path, { readonly: true });
    try {
      expect(db.readonly).toBe(true);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
    } finally {
      db.close();
    }
  });

  it('is what both stores open with: the mailbox state (FULL) and the index (NORMAL)', async () => {
    const dir = tempDir();
    const store = new SqliteStateStore(dir);
    try {
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(BUSY_TIMEOUT_MS);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      await store.close();
    }
    const index = openSqliteIndex({ stateDir: dir });
    await index.close();
    const db = openSqlite(join(dir, 'index.sqlite'), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });
});
