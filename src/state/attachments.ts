import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { openSqlite } from '../core/sqlite.js';
import { Mail2TicketError, describeError } from '../errors.js';
import { INDEX_FILE } from './sqlite.js';

/**
 * What this pipeline did with each file of each ticket message, so that a retry, a restart after
 * SIGKILL or a second replay never uploads a file twice and never leaves a row unconnected:
 *   intent -> created (the API's AttachmentId recorded at once) -> uploaded -> connected.
 * A record past `intent` names a row that exists in SuperOffice; a later attempt reuses it
 * (uploads the content again when its size is wrong, then connects it) instead of creating another.
 *
 * Small and async on purpose: the SQLite store below and a PostgreSQL store implement the same
 * interface with the same portable SQL (TEXT/BIGINT columns, ON CONFLICT upserts).
 */
export type AttachmentState = 'intent' | 'created' | 'uploaded' | 'connected';

export interface AttachmentRecord {
  /** The ticket message the file belongs on. */
  ticketMessageId: number;
  /** sha256 of the file's content, hex. */
  sha256: string;
  /** The file's safe name. */
  name: string;
  size: number;
  /** The mail's Message-Id (for people reading the table). */
  messageId: string;
  /** The Attachment row, once created. */
  attachmentId?: number;
  state: AttachmentState;
}

export interface AttachmentStore {
  /** Every record of one ticket message. */
  forMessage(ticketMessageId: number): Promise<AttachmentRecord[]>;
  /** Insert or replace the record of (ticketMessageId, sha256, name). Durable when it resolves. */
  put(record: AttachmentRecord): Promise<void>;
  close(): Promise<void>;
}

/** Portable DDL (SQLite and PostgreSQL); created on open when missing. */
export const ATTACHMENT_DDL = `
  CREATE TABLE IF NOT EXISTS attachment_uploads (
    ticket_message_id BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    size BIGINT NOT NULL,
    message_id TEXT NOT NULL,
    attachment_id BIGINT,
    state TEXT NOT NULL CHECK (state IN ('intent', 'created', 'uploaded', 'connected')),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ticket_message_id, sha256, name)
  )`;

export const ATTACHMENT_SQL = {
  forMessage: `SELECT ticket_message_id, sha256, name, size, message_id, attachment_id, state
    FROM attachment_uploads WHERE ticket_message_id = ? ORDER BY updated_at`,
  /** A known attachment id is never blanked (an `intent` written again after a crash keeps it). */
  put: `INSERT INTO attachment_uploads
      (ticket_message_id, sha256, name, size, message_id, attachment_id, state, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (ticket_message_id, sha256, name) DO UPDATE SET
      size = excluded.size,
      message_id = excluded.message_id,
      attachment_id = COALESCE(excluded.attachment_id, attachment_uploads.attachment_id),
      state = excluded.state,
      updated_at = excluded.updated_at`,
} as const;

/** An `attachment_uploads` row as both stores read it (BIGINTs may come back as bigint or string). */
export type AttachmentRow = {
  ticket_message_id: number | bigint | string;
  sha256: string;
  name: string;
  size: number | bigint | string;
  message_id: string;
  attachment_id: number | bigint | string | null;
  state: AttachmentState;
};

export const toAttachmentRecord = (r: AttachmentRow): AttachmentRecord => ({
  ticketMessageId: Number(r.ticket_message_id),
  sha256: r.sha256,
  name: r.name,
  size: Number(r.size),
  messageId: r.message_id,
  ...(r.attachment_id === null ? {} : { attachmentId: Number(r.attachment_id) }),
  state: r.state,
});

/** The values of ATTACHMENT_SQL.put, in order. */
export const attachmentPutParams = (rec: AttachmentRecord): unknown[] => [
  rec.ticketMessageId,
  rec.sha256,
  rec.name,
  rec.size,
  rec.messageId,
  rec.attachmentId ?? null,
  rec.state,
  new Date().toISOString(),
];

/**
 * The records whose loss on power failure would do harm: `created` carries the AttachmentId of a row
 * that now exists in SuperOffice; lost, the next attempt would create a second row. The other states
 * only save a call: a lost `uploaded` or `connected` makes the next attempt send the content again
 * or connect again (both idempotent, and the message's list shows a connected file as present), a
 * lost `intent` says nothing the API answer had not. So those commit with synchronous NORMAL (WAL:
 * kept across a crash of the process, only the last ones can go on power loss; the next FULL commit
 * syncs them too), which saves one fsync each (3 of the 4 per file, each blocking the event loop:
 * 124 ms of a 200-mail live drain's profile, issue 13).
 */
const DURABLE_STATES: ReadonlySet<AttachmentState> = new Set(['created']);

/** The SQLite implementation: its own connection to `${stateDir}/index.sqlite` (see DURABLE_STATES). */
export class SqliteAttachmentStore implements AttachmentStore {
  private readonly db: Database.Database;
  private readonly stmts: Record<keyof typeof ATTACHMENT_SQL, Database.Statement>;
  readonly path: string;

  constructor(stateDir: string) {
    this.path = join(stateDir, INDEX_FILE);
    try {
      mkdirSync(stateDir, { recursive: true });
      // NORMAL, and FULL for each commit of a DURABLE_STATES record.
      this.db = openSqlite(this.path, { synchronous: 'NORMAL' });
      this.db.exec(ATTACHMENT_DDL);
      this.stmts = {
        forMessage: this.db.prepare(ATTACHMENT_SQL.forMessage),
        put: this.db.prepare(ATTACHMENT_SQL.put),
      };
    } catch (err) {
      throw new Mail2TicketError(
        'E_STATE',
        `cannot open the attachment records (${this.path}): ${describeError(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  async forMessage(ticketMessageId: number): Promise<AttachmentRecord[]> {
    return this.run('read the attachment records', () =>
      (this.stmts.forMessage.all(ticketMessageId) as AttachmentRow[]).map(toAttachmentRecord),
    );
  }

  async put(rec: AttachmentRecord): Promise<void> {
    this.run('record an attachment', () => {
      if (!DURABLE_STATES.has(rec.state)) return this.stmts.put.run(...attachmentPutParams(rec));
      // A recorded AttachmentId must survive power loss, or a second row would be created.
      this.db.pragma('synchronous = FULL');
      try {
        return this.stmts.put.run(...attachmentPutParams(rec));
      } finally {
        this.db.pragma('synchronous = NORMAL');
      }
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      throw new Mail2TicketError('E_STATE', `cannot ${what} (${this.path}): ${describeError(err)}`, {
        retryable: code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED',
        cause: err,
      });
    }
  }
}
