import type pg from 'pg';
import type { PostgresConfig } from './config-schema.js';
import { PgIndex } from './index.js';
import { PgStateStore } from './mailbox-state.js';
import { migrate } from './migrations.js';
import { createPool, pgError } from './pool.js';

/**
 * Migrations run once per process and pool configuration, by whichever store opens first; every
 * store's calls wait for them. (Several processes: the advisory lock in migrations.ts.)
 */
const migrated = new Map<string, Promise<string[]>>();

export function ensureMigrated(pool: pg.Pool, cfg: PostgresConfig): Promise<string[]> {
  const key = `${cfg.url}\n${cfg.schema}`;
  let p = migrated.get(key);
  if (!p) {
    p = migrate(pool, cfg.schema).catch((err) => {
      migrated.delete(key);
      throw pgError(`cannot migrate schema ${cfg.schema}`, cfg.url, err);
    });
    migrated.set(key, p);
  }
  return p;
}

/** The per-mailbox state (and, through its pool, the leases) in PostgreSQL; migrated before it resolves. */
export async function openPgStateStore(cfg: PostgresConfig): Promise<PgStateStore> {
  const pool = createPool(cfg, {
    application: 'mail2ticket state',
    // Well inside the lease TTL: a paused holder's transaction is ended (and its lock on the lease
    // row released) before its lease can expire, so the takeover never waits for it.
    session: {
      idleInTransactionMs: Math.max(500, Math.floor(cfg.lease.ttlMs / 2)),
      lockTimeoutMs: Math.max(100, Math.floor(cfg.lease.ttlMs / 3)),
    },
  });
  const ready = ensureMigrated(pool, cfg);
  try {
    await ready;
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return new PgStateStore(pool, cfg.url, ready);
}

/** The message index in PostgreSQL; opened at once, migrated on first use. */
export function openPgIndex(cfg: PostgresConfig, opts: { readOnly: boolean }): PgIndex {
  const pool = createPool(cfg, { application: 'mail2ticket index' });
  return new PgIndex(pool, cfg.url, ensureMigrated(pool, cfg), opts.readOnly);
}
