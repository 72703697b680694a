import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../core/sqlite.js';
import { Mail2TicketError, describeError } from '../errors.js';
import { lookupMessage, type RecordOps, recordMailSteps, runSync } from './record.js';
import { MIGRATIONS, SCHEMA_VERSION, SQL } from './schema.js';
import {
  type IndexedMessage,
  type IndexSource,
  type MessageIndex,
  normaliseAddress,
  type ProcessedMail,
  type ThreadKey,
  type TicketInfo,
  threadKeyString,
} from './store.js';

/** File name of the index inside `stateDir`. */
export const INDEX_FILE = 'index.sqlite';

export interface SqliteIndexOptions {
  stateDir: string;
  /**
   * Open without ever writing (a dry run's base). A missing database is then an empty index, and
   * nothing is created; an older schema is migrated in a private in-memory copy. Note: reading a
   * WAL database needs its `-shm`/`-wal` companion files, so SQLite creates them (empty) when no
   * writer has them open; the database content itself is never written.
   */
  readOnly?: boolean;
}

type Row = {
  message_id: string;
  thread_root: string;
  ticket_id: number | bigint | null;
  ticket_message_id: number | bigint | null;
  source: string;
};

function toMessage(row: Row): IndexedMessage {
  return {
    messageId: row.message_id,
    threadRoot: row.thread_root,
    source: row.source as IndexSource,
    ...(row.ticket_id === null ? {} : { ticketId: Number(row.ticket_id) }),
    ...(row.ticket_message_id === null ? {} : { ticketMessageId: Number(row.ticket_message_id) }),
  };
}

function stateError(what: string, path: string, err: unknown): Mail2TicketError {
  const code = (err as { code?: string }).code ?? '';
  const busy = code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
  return new Mail2TicketError('E_STATE', `${what} (${path}): ${describeError(err)}`, {
    retryable: busy,
    cause: err,
  });
}

const CORRUPT_CODES = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);

/** Bring a database to SCHEMA_VERSION. `PRAGMA user_version` is SQLite's schema counter (PostgreSQL: a table). */
function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Mail2TicketError(
      'E_STATE',
      `${path} has schema version ${version}, newer than this mail2ticket understands (${SCHEMA_VERSION}); upgrade mail2ticket or point stateDir elsewhere`,
    );
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * The SQLite message index (better-sqlite3). One file `${stateDir}/index.sqlite` in WAL mode,
 * so readers (a dry run next to the daemon) never block the writer.
 */
export class SqliteIndex implements MessageIndex {
  readonly readOnly: boolean;
  readonly path: string;
  private db: Database.Database;
  private stmts: Record<keyof typeof SQL, Database.Statement>;

  constructor(opts: SqliteIndexOptions) {
    this.readOnly = opts.readOnly ?? false;
    this.path = join(opts.stateDir, INDEX_FILE);
    this.db = this.open();
    this.stmts = this.prepare();
  }

  private open(): Database.Database {
    if (this.readOnly) return this.openReadOnly();
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      return this.openWritable();
    } catch (err) {
      if (!CORRUPT_CODES.has((err as { code?: string }).code ?? '')) {
        if (err instanceof Mail2TicketError) throw err;
        throw stateError('cannot open the state index', this.path, err);
      }
      // The index is a cache of what the API knows: a corrupt file is set aside (kept for a
      // post-mortem) and rebuilt, rather than stopping every mailbox.
      renameSync(this.path, `${this.path}.corrupt-${Date.now()}`);
      return this.openWritable();
    }
  }

  private openWritable(): Database.Database {
    // NORMAL: the index is a cache of what the API knows; a commit lost to power loss is relearned.
    const db = openSqlite(this.path, { synchronous: 'NORMAL' });
    try {
      migrate(db, this.path);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private openReadOnly(): Database.Database {
    if (!existsSync(this.path)) {
      const mem = new Database(':memory:');
      migrate(mem, ':memory:');
      return mem;
    }
    let db: Database.Database;
    try {
      db = openSqlite(this.path, { readonly: true });
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === SCHEMA_VERSION) return db;
      // Older schema: migrate a private in-memory copy; the file itself is never written.
      const copy = new Database(db.serialize());
      db.close();
      migrate(copy, this.path);
      return copy;
    } catch (err) {
      if (err instanceof Mail2TicketError) throw err;
      throw stateError('cannot open the state index read-only', this.path, err);
    }
  }

  private prepare(): Record<keyof typeof SQL, Database.Statement> {
    const out = {} as Record<keyof typeof SQL, Database.Statement>;
    for (const [name, sql] of Object.entries(SQL)) {
      // A read-only connection cannot prepare writes; those statements are never used there.
      if (this.readOnly && !/^\s*SELECT/i.test(sql)) continue;
      out[name as keyof typeof SQL] = this.db.prepare(sql);
    }
    return out;
  }

  /** The state directory may be deleted while we run: reopen (recreating it) before writing. */
  private ensureWritable(): void {
    if (this.readOnly) {
      throw new Mail2TicketError('E_STATE', `the state index ${this.path} is open read-only (dry run)`);
    }
    if (existsSync(this.path)) return;
    try {
      this.db.close();
    } catch {
      // the old handle points at a deleted file; nothing to save
    }
    this.db = this.open();
    this.stmts = this.prepare();
  }

  private run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof Mail2TicketError) throw err;
      throw stateError(what, this.path, err);
    }
  }

  /** Synchronous primitives: recordMail runs them inside one transaction without yielding. */
  private ops(): RecordOps {
    const s = this.stmts;
    const row = (m: IndexedMessage, at: string) =>
      [m.messageId, m.threadRoot, m.ticketId ?? null, m.ticketMessageId ?? null, m.source, at] as const;
    return {
      rawMessage: (id) => {
        const r = s.getMessage.get(id) as Row | undefined;
        return r ? toMessage(r) : undefined;
      },
      alias: (root) => (s.getAlias.get(root) as { root: string } | undefined)?.root,
      upsertMessage: (m, at) => {
        s.upsertMessage.run(...row(m, at));
      },
      insertMessageIfAbsent: (m, at) => {
        s.insertMessageIfAbsent.run(...row(m, at));
      },
      setAlias: (alias, root) => {
        s.insertAlias.run(alias, root);
      },
      copyParticipants: (from, to) => {
        s.copyParticipants.run(to, from);
      },
      addParticipant: (key, address) => {
        s.addParticipant.run(key, address);
      },
      insertTicketIfAbsent: (ticketId, at) => {
        s.insertTicketIfAbsent.run(ticketId, at);
      },
      markProcessed: (id, at) => {
        s.markProcessed.run(id, at);
      },
    };
  }

  async getMessage(messageId: string): Promise<IndexedMessage | undefined> {
    return this.run('cannot read the state index', () => runSync(lookupMessage(messageId), this.ops()));
  }

  async putMessage(msg: IndexedMessage): Promise<void> {
    this.ensureWritable();
    this.run('cannot write the state index', () => this.ops().upsertMessage(msg, new Date().toISOString()));
  }

  async recordMail(mail: ProcessedMail): Promise<void> {
    this.ensureWritable();
    // One synchronous IMMEDIATE transaction (better-sqlite3 rolls back on a throw). IMMEDIATE takes
    // the write lock up front, so two processes on one file serialise (busy_timeout) instead of
    // failing at commit. PostgreSQL: BEGIN ... COMMIT on one pooled client, driven by runAsync.
    const tx = this.db.transaction(() => runSync(recordMailSteps(mail), this.ops()));
    this.run(`cannot record ${mail.messageId}`, () => tx.immediate());
  }

  async isProcessed(messageId: string): Promise<boolean> {
    return this.run('cannot read the state index', () => this.stmts.isProcessed.get(messageId) !== undefined);
  }

  async markProcessed(messageId: string, processedAt?: string): Promise<void> {
    this.ensureWritable();
    this.run('cannot write the state index', () =>
      this.stmts.markProcessed.run(messageId, processedAt ?? new Date().toISOString()),
    );
  }

  async getTicket(ticketId: number): Promise<TicketInfo | undefined> {
    const row = this.run(
      'cannot read the state index',
      () => this.stmts.getTicket.get(ticketId) as { surviving_id: number | bigint | null } | undefined,
    );
    if (!row) return undefined;
    return { ticketId, ...(row.surviving_id === null ? {} : { survivingId: Number(row.surviving_id) }) };
  }

  async putTicket(info: TicketInfo): Promise<void> {
    this.ensureWritable();
    this.run('cannot write the state index', () =>
      this.stmts.upsertTicket.run(info.ticketId, info.survivingId ?? null, new Date().toISOString()),
    );
  }

  async getParticipants(key: ThreadKey): Promise<string[]> {
    return this.run('cannot read the state index', () =>
      (this.stmts.getParticipants.all(threadKeyString(key)) as { address: string }[]).map((r) => r.address),
    );
  }

  async addParticipant(key: ThreadKey, address: string): Promise<void> {
    this.ensureWritable();
    this.run('cannot write the state index', () =>
      this.stmts.addParticipant.run(threadKeyString(key), normaliseAddress(address)),
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/** Open the index in `stateDir` (created on demand unless read-only). */
export function openSqliteIndex(opts: SqliteIndexOptions): SqliteIndex {
  return new SqliteIndex(opts);
}
