import type pg from 'pg';
import {
  ATTACHMENT_SQL,
  type AttachmentRecord,
  type AttachmentRow,
  type AttachmentStore,
  attachmentPutParams,
  toAttachmentRecord,
} from '../attachments.js';
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
      const { rows } = await this.pool.query<AttachmentRow>(SQL.forMessage, [ticketMessageId]);
      return rows.map(toAttachmentRecord);
    } catch (err) {
      throw pgError('cannot read the attachment records', this.url, err);
    }
  }

  async put(rec: AttachmentRecord): Promise<void> {
    try {
      await this.ready;
      await this.pool.query(SQL.put, attachmentPutParams(rec));
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

/** The SQLite statements with PostgreSQL's numbered placeholders: one text for both stores. */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};
const SQL = {
  forMessage: numbered(ATTACHMENT_SQL.forMessage),
  put: numbered(ATTACHMENT_SQL.put),
} as const;
