import type pg from 'pg';
import { Mail2TicketError } from '../../errors.js';
import { lookupMessage, type RecordOps, recordMailSteps, runAsync } from '../record.js';
import { SQL } from '../schema.js';
import {
  type IndexedMessage,
  type IndexSource,
  type MessageIndex,
  normaliseAddress,
  type ProcessedMail,
  type ThreadKey,
  type TicketInfo,
  threadKeyString,
} from '../store.js';
import { inTransaction, pgError, type Queryable } from './pool.js';

/** SQLite's `?` placeholders as PostgreSQL's `$n` (the statements in schema.ts hold no `?` literal). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const PG_SQL = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, numbered(v)])) as Record<
  keyof typeof SQL,
  string
>;

type Row = {
  message_id: string;
  thread_root: string;
  ticket_id: number | null;
  ticket_message_id: number | null;
  source: string;
};

function toMessage(row: Row): IndexedMessage {
  return {
    messageId: row.message_id,
    threadRoot: row.thread_root,
    source: row.source as IndexSource,
    ...(row.ticket_id === null ? {} : { ticketId: row.ticket_id }),
    ...(row.ticket_message_id === null ? {} : { ticketMessageId: row.ticket_message_id }),
  };
}

/**
 * The message index in PostgreSQL: the same statements and the same recordMail logic as the SQLite
 * store (src/state/record.ts, driven by runAsync inside one transaction on one pooled client).
 *
 * Not fenced by mailbox leases: the index is keyed by Message-Id, not by mailbox, and is a cache of
 * what the API knows; every write is an upsert that never downgrades what is known, so a late write
 * from a paused instance can only repeat a fact.
 */
export class PgIndex implements MessageIndex {
  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    /** Migrations done (or failed): every call waits for it. */
    private readonly ready: Promise<unknown>,
    readonly readOnly = false,
    private readonly ownsPool = true,
  ) {
    // Awaited by every call; this only keeps a failed migration from being an unhandled rejection.
    ready.catch(() => {});
  }

  private async q<T extends pg.QueryResultRow>(
    what: string,
    sql: string,
    params: unknown[],
    via: Queryable = this.pool,
  ): Promise<T[]> {
    await this.ready;
    try {
      return (await via.query<T>(sql, params)).rows;
    } catch (err) {
      throw pgError(what, this.url, err);
    }
  }

  private writable(): void {
    if (this.readOnly) throw new Mail2TicketError('E_STATE', 'the state index is open read-only (dry run)');
  }

  private ops(via: Queryable): RecordOps {
    const row = (m: IndexedMessage, at: string) => [
      m.messageId,
      m.threadRoot,
      m.ticketId ?? null,
      m.ticketMessageId ?? null,
      m.source,
      at,
    ];
    const w = 'cannot write the state index';
    return {
      rawMessage: async (id) => {
        const r = await this.q<Row>('cannot read the state index', PG_SQL.getMessage, [id], via);
        return r[0] ? toMessage(r[0]) : undefined;
      },
      alias: async (root) =>
        (await this.q<{ root: string }>('cannot read the state index', PG_SQL.getAlias, [root], via))[0]
          ?.root,
      upsertMessage: async (m, at) => {
        await this.q(w, PG_SQL.upsertMessage, row(m, at), via);
      },
      insertMessageIfAbsent: async (m, at) => {
        await this.q(w, PG_SQL.insertMessageIfAbsent, row(m, at), via);
      },
      setAlias: async (alias, root) => {
        await this.q(w, PG_SQL.insertAlias, [alias, root], via);
      },
      copyParticipants: async (from, to) => {
        await this.q(w, PG_SQL.copyParticipants, [to, from], via);
      },
      addParticipant: async (key, address) => {
        await this.q(w, PG_SQL.addParticipant, [key, address], via);
      },
      insertTicketIfAbsent: async (ticketId, at) => {
        await this.q(w, PG_SQL.insertTicketIfAbsent, [ticketId, at], via);
      },
      markProcessed: async (id, at) => {
        await this.q(w, PG_SQL.markProcessed, [id, at], via);
      },
    };
  }

  async getMessage(messageId: string): Promise<IndexedMessage | undefined> {
    return runAsync(lookupMessage(messageId), this.ops(this.pool));
  }

  async putMessage(msg: IndexedMessage): Promise<void> {
    this.writable();
    await this.ops(this.pool).upsertMessage(msg, new Date().toISOString());
  }

  async recordMail(mail: ProcessedMail): Promise<void> {
    this.writable();
    await this.ready;
    try {
      await inTransaction(this.pool, (c) => runAsync(recordMailSteps(mail), this.ops(c)));
    } catch (err) {
      throw pgError(`cannot record ${mail.messageId}`, this.url, err);
    }
  }

  async isProcessed(messageId: string): Promise<boolean> {
    return (await this.q('cannot read the state index', PG_SQL.isProcessed, [messageId])).length > 0;
  }

  async markProcessed(messageId: string, processedAt?: string): Promise<void> {
    this.writable();
    await this.q('cannot write the state index', PG_SQL.markProcessed, [
      messageId,
      processedAt ?? new Date().toISOString(),
    ]);
  }

  async getTicket(ticketId: number): Promise<TicketInfo | undefined> {
    const r = await this.q<{ surviving_id: number | null }>('cannot read the state index', PG_SQL.getTicket, [
      ticketId,
    ]);
    if (!r[0]) return undefined;
    return { ticketId, ...(r[0].surviving_id === null ? {} : { survivingId: r[0].surviving_id }) };
  }

  async putTicket(info: TicketInfo): Promise<void> {
    this.writable();
    await this.q('cannot write the state index', PG_SQL.upsertTicket, [
      info.ticketId,
      info.survivingId ?? null,
      new Date().toISOString(),
    ]);
  }

  async getParticipants(key: ThreadKey): Promise<string[]> {
    const r = await this.q<{ address: string }>('cannot read the state index', PG_SQL.getParticipants, [
      threadKeyString(key),
    ]);
    return r.map((x) => x.address);
  }

  async addParticipant(key: ThreadKey, address: string): Promise<void> {
    this.writable();
    await this.q('cannot write the state index', PG_SQL.addParticipant, [
      threadKeyString(key),
      normaliseAddress(address),
    ]);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}
