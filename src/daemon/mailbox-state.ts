import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../core/sqlite.js';
import { describeError, Mail2TicketError } from '../errors.js';
import { bareMessageId } from '../message-id.js';

/**
 * Per-mailbox progress. Every write is its own transaction, committed before the next step acts on
 * the server, which is what makes a SIGKILL at any moment safe: the order is "record → act →
 * record applied", and a restart finishes whatever was recorded but not applied.
 *
 * Two stores implement the one async interface: SQLite in `${stateDir}/mailboxes.sqlite` (one
 * machine, the default) and PostgreSQL (src/state/postgres/mailbox-state.ts: several instances
 * sharing the mailboxes by lease, every write fenced by the lease's token).
 */

export type MailStatus = 'pending' | 'done' | 'quarantined';

export interface MailRecord {
  uid: number;
  status: MailStatus;
  outcome: string | null;
  messageId: string | null;
  /** Times processMail was started for this mail (a repeat after a crash counts too). */
  attempts: number;
  firstSeen: number;
  lastAttempt: number | null;
  nextAttempt: number | null;
  lastError: string | null;
  /** 1 once the server-side effect (\Seen, move) was done; 0 while it is still owed. */
  applied: number;
}

/** Where a quarantined mail's raw bytes were written (they stay on the machine that wrote them). */
export interface QuarantineFile {
  path: string;
  host: string;
}

/** The state of one mailbox at its current UIDVALIDITY. */
export interface MailboxState {
  readonly name: string;
  uidValidity(): Promise<string>;
  /**
   * Adopt the folder's UIDVALIDITY. A change (RFC 3501 2.3.1.1: every UID is void) restarts the
   * UID scan from 1; mail already done is then recognised by Message-Id.
   */
  syncUidValidity(value: string, now: number): Promise<{ changed: boolean; previous: string }>;
  /** Every UID below the floor is done or gone; scans start here. */
  floor(): Promise<number>;
  setFloor(uid: number, now: number): Promise<void>;
  get(uid: number): Promise<MailRecord | undefined>;
  isMessageIdDone(messageId: string | undefined): Promise<boolean>;
  /** Count an attempt before processMail starts, so a crash inside it still counts. */
  beginAttempt(uid: number, messageId: string | undefined, now: number): Promise<MailRecord>;
  /**
   * Take back the attempt counted by beginAttempt: the API was at fault, not the mail (issue 13 §2),
   * so the try must not bring it nearer to maxAttempts. The mail stays pending, due at once.
   */
  refundAttempt(uid: number): Promise<void>;
  /** First-seen time of a mail (for the deferred age limit), recording it when new. */
  firstSeen(uid: number, messageId: string | undefined, now: number): Promise<number>;
  /** The API accepted the mail; its server-side effect is now owed (applied = 0). */
  markAccepted(uid: number, outcome: string, messageId: string | undefined, now: number): Promise<void>;
  /** `file`: where the raw bytes were written, recorded where the store is shared (PostgreSQL). */
  markQuarantined(
    uid: number,
    reason: string,
    messageId: string | undefined,
    now: number,
    file?: QuarantineFile,
  ): Promise<void>;
  markApplied(uid: number): Promise<void>;
  markDeferred(uid: number, error: string, nextAttempt: number): Promise<void>;
  /** Mail finished here whose \Seen/move did not happen yet (a crash or a cut connection in between). */
  owed(): Promise<MailRecord[]>;
  /** Earliest retry time of a deferred mail, if any. */
  nextDeferredDue(): Promise<number | undefined>;
  counts(): Promise<Record<string, number>>;
  /**
   * Throws E_LEASE_LOST unless this instance still holds the mailbox: called right before an
   * action on the IMAP server (\Seen, move), which no database statement can fence. Always passes
   * for a store without leases (SQLite: one machine).
   */
  checkLease(): Promise<void>;
}

/** A mailbox's lease as the state writes check it (src/daemon/lease.ts). */
export interface Fence {
  token: number;
}

/** An API outage (src/api/gate.ts), kept so a restart mid-outage does not count it toward a mail's age. */
export interface ApiFaultRecord {
  startedAt: number;
  /** Length so far (while ongoing: until it was last seen at fault). */
  totalMs: number;
  ongoing: boolean;
}

export interface StateStore {
  /** The state of one mailbox; with `fence`, every write checks that lease in the same transaction. */
  mailbox(name: string, fence?: Fence): MailboxState;
  /** API outages of earlier runs, oldest first (the newest MAX_API_FAULTS). */
  apiFaults(): Promise<ApiFaultRecord[]>;
  /** Insert or update an outage (keyed by its start). */
  saveApiFault(r: ApiFaultRecord): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mailbox (
  name TEXT PRIMARY KEY,
  uidvalidity TEXT,
  floor_uid INTEGER NOT NULL DEFAULT 1,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mail (
  mailbox TEXT NOT NULL,
  uidvalidity TEXT NOT NULL,
  uid INTEGER NOT NULL,
  status TEXT NOT NULL,
  outcome TEXT,
  message_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_attempt INTEGER,
  next_attempt INTEGER,
  last_error TEXT,
  applied INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (mailbox, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS mail_owed ON mail (mailbox, applied) WHERE applied = 0 AND status != 'pending';
CREATE TABLE IF NOT EXISTS done_message (
  mailbox TEXT NOT NULL,
  message_id TEXT NOT NULL,
  outcome TEXT NOT NULL,
  done_at INTEGER NOT NULL,
  PRIMARY KEY (mailbox, message_id)
);
CREATE TABLE IF NOT EXISTS api_fault (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL UNIQUE,
  total_ms INTEGER NOT NULL,
  ongoing INTEGER NOT NULL
);
`;

/** API outages read back at start (the newest; older ones no longer matter to any mail's age). */
export const MAX_API_FAULTS = 1000;

/** The SQLite store: one file, one machine; leases do not apply (a fence is ignored). */
export class SqliteStateStore implements StateStore {
  readonly db: Database.Database;

  constructor(stateDir: string) {
    try {
      mkdirSync(stateDir, { recursive: true });
      // WAL + synchronous=FULL: a committed row survives SIGKILL and power loss.
      this.db = openSqlite(join(stateDir, 'mailboxes.sqlite'), { synchronous: 'FULL' });
      this.db.exec(SCHEMA);
    } catch (err) {
      throw new Mail2TicketError(
        'E_STATE',
        `cannot open state database in ${stateDir}: ${describeError(err)}`,
      );
    }
  }

  mailbox(name: string): SqliteMailboxState {
    return new SqliteMailboxState(this.db, name);
  }

  async apiFaults(): Promise<ApiFaultRecord[]> {
    const rows = this.db
      .prepare('SELECT started_at, total_ms, ongoing FROM api_fault ORDER BY started_at DESC LIMIT ?')
      .all(MAX_API_FAULTS) as { started_at: number; total_ms: number; ongoing: number }[];
    return rows
      .reverse()
      .map((r) => ({ startedAt: r.started_at, totalMs: r.total_ms, ongoing: r.ongoing === 1 }));
  }

  async saveApiFault(r: ApiFaultRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_fault (started_at, total_ms, ongoing) VALUES (?, ?, ?)
         ON CONFLICT(started_at) DO UPDATE SET total_ms = excluded.total_ms, ongoing = excluded.ongoing`,
      )
      .run(r.startedAt, r.totalMs, r.ongoing ? 1 : 0);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** A `mail` row as both stores read it (same columns in SQLite and PostgreSQL). */
export interface MailRow {
  uid: number;
  status: MailStatus;
  outcome: string | null;
  message_id: string | null;
  attempts: number;
  first_seen: number;
  last_attempt: number | null;
  next_attempt: number | null;
  last_error: string | null;
  applied: number;
}

export const toMailRecord = (r: MailRow): MailRecord => ({
  uid: r.uid,
  status: r.status,
  outcome: r.outcome,
  messageId: r.message_id,
  attempts: r.attempts,
  firstSeen: r.first_seen,
  lastAttempt: r.last_attempt,
  nextAttempt: r.next_attempt,
  lastError: r.last_error,
  applied: r.applied,
});

/**
 * One mailbox in SQLite. better-sqlite3 is synchronous; the methods are async only to share the
 * interface with PostgreSQL, and each one runs to its end without yielding.
 */
export class SqliteMailboxState implements MailboxState {
  constructor(
    private readonly db: Database.Database,
    readonly name: string,
  ) {}

  /** Read from the database each time, so every view of the same mailbox agrees. */
  private get uv(): string {
    const row = this.db.prepare('SELECT uidvalidity FROM mailbox WHERE name = ?').get(this.name) as
      | { uidvalidity: string | null }
      | undefined;
    return row?.uidvalidity ?? '';
  }

  async uidValidity(): Promise<string> {
    return this.uv;
  }

  async checkLease(): Promise<void> {}

  async syncUidValidity(value: string, now: number): Promise<{ changed: boolean; previous: string }> {
    const previous = this.uv;
    if (previous === value) return { changed: false, previous };
    this.db
      .prepare(
        `INSERT INTO mailbox (name, uidvalidity, floor_uid, updated_at) VALUES (?, ?, 1, ?)
         ON CONFLICT(name) DO UPDATE SET uidvalidity = excluded.uidvalidity, floor_uid = 1, updated_at = excluded.updated_at`,
      )
      .run(this.name, value, now);
    return { changed: previous !== '', previous };
  }

  /** Every UID below the floor is done or gone; scans start here. */
  async floor(): Promise<number> {
    const row = this.db.prepare('SELECT floor_uid FROM mailbox WHERE name = ?').get(this.name) as
      | { floor_uid: number }
      | undefined;
    return row?.floor_uid ?? 1;
  }

  async setFloor(uid: number, now: number): Promise<void> {
    this.db
      .prepare('UPDATE mailbox SET floor_uid = ?, updated_at = ? WHERE name = ?')
      .run(uid, now, this.name);
  }

  async get(uid: number): Promise<MailRecord | undefined> {
    const row = this.db
      .prepare('SELECT * FROM mail WHERE mailbox = ? AND uidvalidity = ? AND uid = ?')
      .get(this.name, this.uv, uid) as MailRow | undefined;
    return row ? toMailRecord(row) : undefined;
  }

  async isMessageIdDone(messageId: string | undefined): Promise<boolean> {
    const id = bareMessageId(messageId);
    if (!id) return false;
    return Boolean(
      this.db.prepare('SELECT 1 FROM done_message WHERE mailbox = ? AND message_id = ?').get(this.name, id),
    );
  }

  /** Count an attempt before processMail starts, so a crash inside it still counts. */
  async beginAttempt(uid: number, messageId: string | undefined, now: number): Promise<MailRecord> {
    this.db
      .prepare(
        `INSERT INTO mail (mailbox, uidvalidity, uid, status, message_id, attempts, first_seen, last_attempt)
         VALUES (?, ?, ?, 'pending', ?, 1, ?, ?)
         ON CONFLICT(mailbox, uidvalidity, uid) DO UPDATE SET attempts = attempts + 1, last_attempt = excluded.last_attempt`,
      )
      .run(this.name, this.uv, uid, messageId ?? null, now, now);
    return (await this.get(uid))!;
  }

  /**
   * Take back the attempt counted by beginAttempt: the API was at fault, not the mail (issue 13 §2),
   * so the try must not bring it nearer to maxAttempts. The mail stays pending, due at once.
   */
  async refundAttempt(uid: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE mail SET attempts = MAX(attempts - 1, 0), next_attempt = NULL
         WHERE mailbox = ? AND uidvalidity = ? AND uid = ? AND status = 'pending'`,
      )
      .run(this.name, this.uv, uid);
  }

  /** First-seen time of a mail (for the deferred age limit), recording it when new. */
  async firstSeen(uid: number, messageId: string | undefined, now: number): Promise<number> {
    this.db
      .prepare(
        `INSERT INTO mail (mailbox, uidvalidity, uid, status, message_id, attempts, first_seen)
         VALUES (?, ?, ?, 'pending', ?, 0, ?) ON CONFLICT DO NOTHING`,
      )
      .run(this.name, this.uv, uid, messageId ?? null, now);
    return (await this.get(uid))!.firstSeen;
  }

  private finish(
    uid: number,
    status: MailStatus,
    outcome: string,
    messageId: string | undefined,
    err: string | null,
    now: number,
  ) {
    const tx = this.db.transaction(() => {
      this.db
        .prepare(
          `UPDATE mail SET status = ?, outcome = ?, message_id = COALESCE(?, message_id), applied = 0,
             next_attempt = NULL, last_error = COALESCE(?, last_error) WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
        )
        .run(status, outcome, messageId ?? null, err, this.name, this.uv, uid);
      const id = bareMessageId(messageId);
      if (id) {
        this.db
          .prepare(
            `INSERT INTO done_message (mailbox, message_id, outcome, done_at) VALUES (?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET outcome = excluded.outcome, done_at = excluded.done_at`,
          )
          .run(this.name, id, outcome, now);
      }
    });
    tx();
  }

  /** The API accepted the mail; its server-side effect is now owed (applied = 0). */
  async markAccepted(
    uid: number,
    outcome: string,
    messageId: string | undefined,
    now: number,
  ): Promise<void> {
    this.finish(uid, 'done', outcome, messageId, null, now);
  }

  async markQuarantined(
    uid: number,
    reason: string,
    messageId: string | undefined,
    now: number,
  ): Promise<void> {
    this.finish(uid, 'quarantined', 'quarantined', messageId, reason, now);
  }

  async markApplied(uid: number): Promise<void> {
    this.db
      .prepare('UPDATE mail SET applied = 1 WHERE mailbox = ? AND uidvalidity = ? AND uid = ?')
      .run(this.name, this.uv, uid);
  }

  async markDeferred(uid: number, error: string, nextAttempt: number): Promise<void> {
    this.db
      .prepare(
        `UPDATE mail SET status = 'pending', outcome = 'deferred', last_error = ?, next_attempt = ?
         WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
      )
      .run(error, nextAttempt, this.name, this.uv, uid);
  }

  /** Mail finished here whose \Seen/move did not happen yet (a crash or a cut connection in between). */
  async owed(): Promise<MailRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM mail WHERE mailbox = ? AND uidvalidity = ? AND applied = 0 AND status != 'pending' ORDER BY uid`,
      )
      .all(this.name, this.uv) as MailRow[];
    return rows.map(toMailRecord);
  }

  /** Earliest retry time of a deferred mail, if any. */
  async nextDeferredDue(): Promise<number | undefined> {
    const row = this.db
      .prepare(
        `SELECT MIN(next_attempt) AS t FROM mail WHERE mailbox = ? AND uidvalidity = ? AND status = 'pending' AND next_attempt IS NOT NULL`,
      )
      .get(this.name, this.uv) as { t: number | null };
    return row.t ?? undefined;
  }

  async counts(): Promise<Record<string, number>> {
    const rows = this.db
      .prepare(
        `SELECT CASE WHEN status = 'pending' AND outcome = 'deferred' THEN 'deferred' ELSE status END AS s, COUNT(*) AS n
         FROM mail WHERE mailbox = ? AND uidvalidity = ? GROUP BY s`,
      )
      .all(this.name, this.uv) as { s: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.s, r.n]));
  }
}
