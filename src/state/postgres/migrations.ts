import type pg from 'pg';
import { Mail2TicketError } from '../../errors.js';
import { ATTACHMENT_DDL } from '../attachments.js';
import { MIGRATIONS as INDEX_MIGRATIONS } from '../schema.js';

/**
 * The PostgreSQL schema as named, ordered migrations, recorded in `schema_migrations`. Named rather
 * than numbered so that two lists can grow independently: the message index's portable migrations
 * (src/state/schema.ts, shared with SQLite) and the tables only the shared store has.
 *
 * Several instances starting together migrate once: the runner holds a session-level advisory
 * lock (keyed by the schema name) from reading `schema_migrations` to its last commit; the others
 * wait on the lock, then find nothing left to do.
 */
export interface Migration {
  id: string;
  sql: string;
}

/** Per-mailbox progress: the same tables as mailboxes.sqlite, plus who wrote each row (fencing audit). */
const MAILBOX_STATE = `
  CREATE TABLE mailbox (
    name TEXT PRIMARY KEY,
    uidvalidity TEXT,
    floor_uid BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL
  );
  CREATE TABLE mail (
    mailbox TEXT NOT NULL,
    uidvalidity TEXT NOT NULL,
    uid BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'quarantined')),
    outcome TEXT,
    message_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_seen BIGINT NOT NULL,
    last_attempt BIGINT,
    next_attempt BIGINT,
    last_error TEXT,
    applied INTEGER NOT NULL DEFAULT 0,
    written_token BIGINT,
    written_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (mailbox, uidvalidity, uid)
  );
  CREATE INDEX mail_owed ON mail (mailbox, uidvalidity) WHERE applied = 0 AND status <> 'pending';
  CREATE TABLE done_message (
    mailbox TEXT NOT NULL,
    message_id TEXT NOT NULL,
    outcome TEXT NOT NULL,
    done_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox, message_id)
  );
`;

/**
 * Quarantine records. The raw .eml stays a file on the machine that quarantined it (mail bytes do
 * not belong in a shared database, and `replay` reads files); the record says which machine and
 * path, so any instance's `status` counts it and an operator knows where to look.
 */
const QUARANTINE = `
  CREATE TABLE quarantine (
    mailbox TEXT NOT NULL,
    uidvalidity TEXT NOT NULL,
    uid BIGINT NOT NULL,
    message_id TEXT,
    reason TEXT NOT NULL,
    host TEXT,
    path TEXT,
    quarantined_at BIGINT NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
  );
`;

/** Mailbox leases (src/daemon/lease.ts): one row per claimed mailbox, a token that only grows. */
const LEASES = `
  CREATE SEQUENCE lease_token;
  CREATE TABLE mailbox_lease (
    mailbox TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    token BIGINT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    renewed_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE lease_log (
    token BIGINT PRIMARY KEY,
    mailbox TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    previous_owner TEXT,
    previous_renewed_at TIMESTAMPTZ,
    previous_expires_at TIMESTAMPTZ
  );
  CREATE INDEX lease_log_mailbox ON lease_log (mailbox, claimed_at);
  CREATE TABLE instance (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    heartbeat_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  );
`;

/** API outages (src/api/gate.ts), shared: the API is one for every instance. */
const API_FAULTS = `
  CREATE TABLE api_fault (
    started_at BIGINT PRIMARY KEY,
    total_ms BIGINT NOT NULL,
    ongoing BOOLEAN NOT NULL
  );
`;

export const PG_MIGRATIONS: readonly Migration[] = [
  ...INDEX_MIGRATIONS.map((sql, i) => ({ id: `index-${i + 1}`, sql })),
  { id: 'mailbox-state-1', sql: MAILBOX_STATE },
  { id: 'quarantine-1', sql: QUARANTINE },
  { id: 'lease-1', sql: LEASES },
  { id: 'api-fault-1', sql: API_FAULTS },
  // Attachment uploads (src/state/attachments.ts): the same portable DDL as SQLite, shared so that
  // an instance taking a mailbox over reuses the rows the previous owner created.
  { id: 'attachments-1', sql: ATTACHMENT_DDL },
];

/**
 * Bring `schema` up to date; returns the ids applied now (empty when another instance did it).
 * The pool's connections already have `schema` on their search_path.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<string[]> {
  const c = await pool.connect();
  const key = `mail2ticket:migrate:${schema}`;
  try {
    // Session-level lock: waits for an instance migrating the same schema right now.
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    // Created only when missing: a role without CREATE on the database can still use a schema an
    // administrator made for it.
    const exists = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await c.query(`CREATE SCHEMA ${schema}`);
    await c.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await c.query<{ id: string }>('SELECT id FROM schema_migrations')).rows.map((r) => r.id),
    );
    const known = new Set(PG_MIGRATIONS.map((m) => m.id));
    const unknown = [...done].filter((id) => !known.has(id));
    if (unknown.length) {
      throw new Mail2TicketError(
        'E_STATE',
        `schema ${schema} has migrations this mail2ticket does not know (${unknown.join(', ')}): upgrade mail2ticket or use another schema`,
      );
    }
    const applied: string[] = [];
    for (const m of PG_MIGRATIONS) {
      if (done.has(m.id)) continue;
      await c.query('BEGIN');
      try {
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (id) VALUES ($1)', [m.id]);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      }
      applied.push(m.id);
    }
    return applied;
  } finally {
    await c.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
    c.release();
  }
}
