import type pg from 'pg';
import type { AttachmentRecord, AttachmentState, AttachmentStore } from '../attachments.js';
import type { PostgresConfig } from './config-schema.js';
import { ensureMigrated } from './open.js';
import { createPool, pgError } from './pool.js';

/**
 * The attachment records (src/state/attachments.ts) in PostgreSQL, shared by every instance: after a
 * failover the instance that takes a mailbox over sees which rows the dead one created, reuses them
 * and never creates a second row for the same file. Same table, same upsert as the SQLite store,
 * with PostgreSQL's `$n` placeholders.
 */
export class PgAttachmentStore implements AttachmentStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    private readonly ready: Promise<unknown>,
  ) {}

  async forMessage(ticketMessageId: number): Promise<AttachmentRecord[]> {
    try {
      await this.ready;
      const { rows } = await this.pool.query<Row>(SQL.forMessage, [ticketMessageId]);
      return rows.map((r) => ({
        ticketMessageId: Number(r.ticket_message_id),
        sha256: r.sha256,
        name: r.name,
        size: Number(r.size),
        messageId: r.message_id,
        ...(r.attachment_id === null ? {} : { attachmentId: Number(r.attachment_id) }),
        state: r.state,
      }));
    } catch (err) {
      throw pgError('cannot read the attachment records', this.url, err);
    }
  }

  async put(rec: AttachmentRecord): Promise<void> {
    try {
      await this.ready;
      await this.pool.query(SQL.put, [
        rec.ticketMessageId,
        rec.sha256,
        rec.name,
        rec.size,
        rec.messageId,
        rec.attachmentId ?? null,
        rec.state,
        new Date().toISOString(),
      ]);
    } catch (err) {
      throw pgError('cannot record an attachment', this.url, err);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Opened at once (a small pool of its own), migrated on first use. */
export function openPgAttachmentStore(cfg: PostgresConfig): PgAttachmentStore {
  const pool = createPool(cfg, { application: 'mail2ticket attachments', max: Math.min(cfg.poolSize, 4) });
  return new PgAttachmentStore(pool, cfg.url, ensureMigrated(pool, cfg));
}

type Row = {
  ticket_message_id: string | number;
  sha256: string;
  name: string;
  size: string | number;
  message_id: string;
  attachment_id: string | number | null;
  state: AttachmentState;
};

const SQL = {
  forMessage: `SELECT ticket_message_id, sha256, name, size, message_id, attachment_id, state
    FROM attachment_uploads WHERE ticket_message_id = $1 ORDER BY updated_at`,
  put: `INSERT INTO attachment_uploads
      (ticket_message_id, sha256, name, size, message_id, attachment_id, state, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (ticket_message_id, sha256, name) DO UPDATE SET
      size = excluded.size,
      message_id = excluded.message_id,
      attachment_id = COALESCE(excluded.attachment_id, attachment_uploads.attachment_id),
      state = excluded.state,
      updated_at = excluded.updated_at`,
} as const;
