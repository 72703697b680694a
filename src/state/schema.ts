/**
 * The index schema as ordered migrations. Migration N (1-based) brings the schema from version
 * N-1 to N. The SQL is written to run unchanged on SQLite (>= 3.24) and PostgreSQL:
 *  - only TEXT and BIGINT columns (no SQLite type affinity tricks, no AUTOINCREMENT);
 *  - timestamps as ISO 8601 TEXT (sortable, zone included);
 *  - upserts with `INSERT ... ON CONFLICT (...) DO UPDATE/NOTHING` (both dialects);
 *  - TEXT equality is exact in both (binary collation / deterministic collation), which is what
 *    Message-Id comparison needs (the local part is case-sensitive).
 * SQLite-only parts live in sqlite.ts and are marked there: the `?` placeholders (PostgreSQL
 * uses `$1`), the PRAGMAs (WAL, busy timeout) and `user_version` as the schema version (a
 * PostgreSQL store keeps it in a one-row `schema_version` table instead).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE messages (
    message_id TEXT PRIMARY KEY,
    thread_root TEXT NOT NULL,
    ticket_id BIGINT,
    ticket_message_id BIGINT,
    source TEXT NOT NULL CHECK (source IN ('processed', 'api', 'referenced')),
    updated_at TEXT NOT NULL
  );
  CREATE INDEX messages_ticket_id ON messages (ticket_id);
  CREATE TABLE thread_aliases (
    alias TEXT PRIMARY KEY,
    root TEXT NOT NULL
  );
  CREATE TABLE tickets (
    ticket_id BIGINT PRIMARY KEY,
    surviving_id BIGINT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE participants (
    thread_key TEXT NOT NULL,
    address TEXT NOT NULL,
    PRIMARY KEY (thread_key, address)
  );
  CREATE TABLE processed (
    message_id TEXT PRIMARY KEY,
    processed_at TEXT NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Statements shared by the stores (placeholders in SQLite `?` style, in positional order). */
export const SQL = {
  getMessage:
    'SELECT message_id, thread_root, ticket_id, ticket_message_id, source FROM messages WHERE message_id = ?',
  getAlias: 'SELECT root FROM thread_aliases WHERE alias = ?',
  /** Upsert keeping the stronger source and any known ticket ids; the thread root follows the stronger source. */
  upsertMessage: `
    INSERT INTO messages (message_id, thread_root, ticket_id, ticket_message_id, source, updated_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (message_id) DO UPDATE SET
      thread_root = CASE WHEN ${rank('excluded.source')} >= ${rank('messages.source')}
                         THEN excluded.thread_root ELSE messages.thread_root END,
      ticket_id = COALESCE(excluded.ticket_id, messages.ticket_id),
      ticket_message_id = COALESCE(excluded.ticket_message_id, messages.ticket_message_id),
      source = CASE WHEN ${rank('excluded.source')} >= ${rank('messages.source')}
                    THEN excluded.source ELSE messages.source END,
      updated_at = excluded.updated_at`,
  insertMessageIfAbsent: `
    INSERT INTO messages (message_id, thread_root, ticket_id, ticket_message_id, source, updated_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (message_id) DO NOTHING`,
  insertAlias: `
    INSERT INTO thread_aliases (alias, root) VALUES (?, ?)
    ON CONFLICT (alias) DO UPDATE SET root = excluded.root`,
  copyParticipants: `
    INSERT INTO participants (thread_key, address)
    SELECT ?, address FROM participants WHERE thread_key = ?
    ON CONFLICT (thread_key, address) DO NOTHING`,
  getTicket: 'SELECT ticket_id, surviving_id FROM tickets WHERE ticket_id = ?',
  upsertTicket: `
    INSERT INTO tickets (ticket_id, surviving_id, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (ticket_id) DO UPDATE SET
      surviving_id = COALESCE(excluded.surviving_id, tickets.surviving_id),
      updated_at = excluded.updated_at`,
  insertTicketIfAbsent: `
    INSERT INTO tickets (ticket_id, surviving_id, updated_at) VALUES (?, NULL, ?)
    ON CONFLICT (ticket_id) DO NOTHING`,
  getParticipants: 'SELECT address FROM participants WHERE thread_key = ? ORDER BY address',
  addParticipant: `
    INSERT INTO participants (thread_key, address) VALUES (?, ?)
    ON CONFLICT (thread_key, address) DO NOTHING`,
  isProcessed: 'SELECT 1 AS hit FROM processed WHERE message_id = ?',
  markProcessed: `
    INSERT INTO processed (message_id, processed_at) VALUES (?, ?)
    ON CONFLICT (message_id) DO NOTHING`,
} as const;

function rank(col: string): string {
  return `(CASE ${col} WHEN 'processed' THEN 3 WHEN 'api' THEN 2 ELSE 1 END)`;
}
