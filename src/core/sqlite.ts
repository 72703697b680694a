import Database from 'better-sqlite3';

/**
 * How long a connection waits for another connection's lock before SQLITE_BUSY. One value for every
 * database: the daemon's mailbox state and the message index may both be opened by several processes
 * at once (the daemon, a dry run or replay beside it), and waiting longer is the safer side, since a
 * lock held by a healthy writer is short and a BUSY error turns into a deferred mail or a failed
 * reconnect. 10 s is the larger of the two values the stores used before (5 s and 10 s).
 */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Read-only: an existing file, with only the busy timeout set (journal mode and synchronous are
 * properties of writers). Otherwise a writer, the file created when missing, and each store says how
 * durable a commit must be. FULL: a committed transaction survives power loss (state that must never
 * go back); NORMAL: the last commits may be lost on power loss, the file stays consistent (a cache
 * that can be rebuilt).
 */
export type OpenSqliteOptions = { readonly: true } | { readonly?: false; synchronous: 'FULL' | 'NORMAL' };

/**
 * Open a better-sqlite3 database with the pragmas every store here uses. The busy timeout is set
 * first, so that even switching to WAL waits for a lock instead of failing; WAL lets readers run
 * beside the writer. On any failure the connection is closed and the error rethrown as is.
 */
export function openSqlite(path: string, opts: OpenSqliteOptions): Database.Database {
  const db = opts.readonly ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous}`);
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
