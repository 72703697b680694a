import { createRequire } from 'node:module';
import type pg from 'pg';
import { describeError, Mail2TicketError } from '../../errors.js';
import { resolveSecret } from '../../secrets.js';
import type { PostgresConfig } from './config-schema.js';

/**
 * One connection pool per store (node-postgres `pg.Pool`). The schema is put first on every
 * connection's search_path (a startup parameter, so no statement ever names it), and BIGINT
 * columns come back as numbers: every BIGINT here (UIDs, ms timestamps, ticket ids, lease tokens)
 * stays far below 2^53.
 */

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * node-postgres is loaded on the first pool, not on import: loading it touches process.stdout,
 * which opens a handle in every program that imports the library (test/package.test.ts "runs
 * nothing on import"), and a SQLite-only install never needs it. It is CommonJS, so `require`
 * keeps createPool synchronous.
 */
let driver: { pg: typeof pg; types: pg.CustomTypesConfig } | undefined;
function loadDriver(): { pg: typeof pg; types: pg.CustomTypesConfig } {
  if (driver) return driver;
  const lib = createRequire(import.meta.url)('pg') as typeof pg;
  const types = new lib.TypeOverrides();
  // 20 = int8, 1700 = numeric (count(*) is int8; ceil() of a division may be numeric).
  types.setTypeParser(20, (v) => Number(v));
  types.setTypeParser(1700, (v) => Number(v));
  driver = { pg: lib, types };
  return driver;
}

/** The URL as it may appear in messages: no password (the schema rejects one anyway), no query. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'state.postgres.url';
  }
}

export interface PoolOptions {
  max?: number;
  application?: string;
  /**
   * Session limits for the pool that carries the leases and the fenced writes. A fenced write holds
   * its lease row FOR SHARE until it commits; an instance paused inside that transaction (SIGSTOP,
   * GC) would hold it for as long as it is paused and block the takeover. So the server ends a
   * transaction left idle this long (`idle_in_transaction_session_timeout`), and a statement waits
   * at most `lockTimeoutMs` for a row lock (`lock_timeout`): a heartbeat never stalls on a lock.
   */
  session?: { idleInTransactionMs: number; lockTimeoutMs: number };
}

export function createPool(cfg: PostgresConfig, opts: PoolOptions = {}): pg.Pool {
  const { pg: lib, types } = loadDriver();
  const config: pg.PoolConfig = {
    connectionString: cfg.url,
    max: opts.max ?? cfg.poolSize,
    types,
    options: [
      `-c search_path=${cfg.schema}`,
      ...(opts.session
        ? [
            `-c idle_in_transaction_session_timeout=${opts.session.idleInTransactionMs}`,
            `-c lock_timeout=${opts.session.lockTimeoutMs}`,
          ]
        : []),
    ].join(' '),
    application_name: opts.application ?? 'mail2ticket',
    // A dead database must fail a query, not hang a mailbox: connect within 10 s.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  };
  // Resolved once per new connection, so a rotated secret file is picked up without a restart.
  const ref = cfg.password;
  if (ref !== undefined) config.password = () => resolveSecret(ref, 'state.postgres.password');
  const pool = new lib.Pool(config);
  // An idle client losing its connection (database restart) emits here; without a listener Node
  // would crash the process. The next query gets a fresh connection.
  pool.on('error', () => {});
  // Likewise a client checked out but between two queries (a transaction in progress while the
  // process was paused, ended by the server): the next query on it fails, which is reported there.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

/** Connection-level failures are worth retrying; a constraint or syntax error is not. */
const RETRYABLE_SQLSTATE = /^(08|53|57P0|40)/;

export function pgError(what: string, url: string, err: unknown): Mail2TicketError {
  if (err instanceof Mail2TicketError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  const retryable =
    RETRYABLE_SQLSTATE.test(code) || /^E(CONN|HOST|NET|PIPE|TIMEDOUT)/.test(code) || code === '';
  return new Mail2TicketError('E_STATE', `${what} (${describeUrl(url)}): ${describeError(err)}`, {
    retryable,
    cause: err,
  });
}

/** Run `fn` in one transaction on one pooled client; rolled back on any throw. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    c.release();
    return out;
  } catch (err) {
    let broken = false;
    await c.query('ROLLBACK').catch(() => {
      broken = true;
    });
    c.release(broken);
    throw err;
  }
}
