import type pg from 'pg';
import {
  type ApiFaultRecord,
  type Fence,
  MAX_API_FAULTS,
  type MailboxState,
  type MailRecord,
  type MailRow,
  type MailStatus,
  type QuarantineFile,
  type StateStore,
  toMailRecord,
} from '../../daemon/mailbox-state.js';
import { Mail2TicketError } from '../../errors.js';
import { bareMessageId } from '../../message-id.js';
import { pgError, type Queryable } from './pool.js';

/**
 * Per-mailbox progress in PostgreSQL, shared by every instance (issue 16). Same rules as the SQLite
 * store (src/daemon/mailbox-state.ts), plus fencing: a state opened with the token of this
 * instance's lease (src/daemon/lease.ts) runs every write in a transaction that first locks that
 * lease row `FOR SHARE` and checks it is still this token and not expired. So:
 *  - an instance paused past its lease (SIGSTOP, GC, partition) finds the token replaced and its
 *    write refused with E_LEASE_LOST, whatever it had in flight;
 *  - a takeover (which updates the lease row) waits for a write already past the check to commit,
 *    and every write after it sees the new token: no write of the old owner lands after the claim.
 * Each fenced row also records the token and time it was written with (`written_token`,
 * `written_at`), which lets a test or an operator check the rule held.
 */

/** The mailbox's current UIDVALIDITY, as a scalar subquery on $1 = mailbox name. */
const UV = `COALESCE((SELECT uidvalidity FROM mailbox WHERE name = $1), '')`;
const COLS =
  'uid, status, outcome, message_id, attempts, first_seen, last_attempt, next_attempt, last_error, applied';

export class PgStateStore implements StateStore {
  constructor(
    readonly pool: pg.Pool,
    readonly url: string,
    /** Migrations done (or failed): every call waits for it. */
    readonly ready: Promise<unknown>,
  ) {
    ready.catch(() => {});
  }

  mailbox(name: string, fence?: Fence): PgMailboxState {
    return new PgMailboxState(this, name, fence);
  }

  async apiFaults(): Promise<ApiFaultRecord[]> {
    await this.ready;
    try {
      const r = await this.pool.query<{ started_at: number; total_ms: number; ongoing: boolean }>(
        'SELECT started_at, total_ms, ongoing FROM api_fault ORDER BY started_at DESC LIMIT $1',
        [MAX_API_FAULTS],
      );
      return r.rows
        .reverse()
        .map((x) => ({ startedAt: x.started_at, totalMs: x.total_ms, ongoing: x.ongoing }));
    } catch (err) {
      throw pgError('cannot read the API outages', this.url, err);
    }
  }

  /** Several instances see one outage at slightly different starts: each keeps its own row. */
  async saveApiFault(r: ApiFaultRecord): Promise<void> {
    await this.ready;
    try {
      await this.pool.query(
        `INSERT INTO api_fault (started_at, total_ms, ongoing) VALUES ($1, $2, $3)
         ON CONFLICT (started_at) DO UPDATE SET total_ms = GREATEST(api_fault.total_ms, excluded.total_ms),
           ongoing = excluded.ongoing`,
        [r.startedAt, r.totalMs, r.ongoing],
      );
    } catch (err) {
      throw pgError('cannot record the API outage', this.url, err);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export class PgMailboxState implements MailboxState {
  constructor(
    private readonly store: PgStateStore,
    readonly name: string,
    private readonly fence: Fence | undefined,
  ) {}

  private async read<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    await this.store.ready;
    try {
      return (await this.store.pool.query<T>(sql, params)).rows;
    } catch (err) {
      throw pgError(`cannot read the state of mailbox ${this.name}`, this.store.url, err);
    }
  }

  private leaseLost(): Mail2TicketError {
    return new Mail2TicketError(
      'E_LEASE_LOST',
      `mailbox ${this.name}: lease ${this.fence?.token} is no longer held by this instance (expired or taken over)`,
      { details: { mailbox: this.name } },
    );
  }

  /**
   * One write (one or more statements) in one transaction, fenced when this state has a lease.
   * `$1` is always the mailbox name; `tok` is the token to record as the writer (null unfenced).
   */
  private async write<T>(fn: (c: Queryable, tok: number | null) => Promise<T>): Promise<T> {
    await this.store.ready;
    let c: pg.PoolClient | undefined;
    let broken = false;
    try {
      c = await this.store.pool.connect();
      await c.query('BEGIN');
      if (this.fence) {
        const held = await c.query(
          `SELECT 1 FROM mailbox_lease WHERE mailbox = $1 AND token = $2 AND expires_at > clock_timestamp() FOR SHARE`,
          [this.name, this.fence.token],
        );
        if (held.rowCount === 0) throw this.leaseLost();
      }
      const out = await fn(c, this.fence?.token ?? null);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      // A connection the server ended (idle-in-transaction timeout after a pause) is not reused.
      await c?.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw pgError(`cannot write the state of mailbox ${this.name}`, this.store.url, err);
    } finally {
      c?.release(broken);
    }
  }

  async checkLease(): Promise<void> {
    if (!this.fence) return;
    const r = await this.read(
      'SELECT 1 FROM mailbox_lease WHERE mailbox = $1 AND token = $2 AND expires_at > clock_timestamp()',
      [this.name, this.fence.token],
    );
    if (r.length === 0) throw this.leaseLost();
  }

  async uidValidity(): Promise<string> {
    return (await this.read<{ uv: string }>(`SELECT ${UV} AS uv`, [this.name]))[0]!.uv;
  }

  async syncUidValidity(value: string, now: number): Promise<{ changed: boolean; previous: string }> {
    return this.write(async (c) => {
      const prev = await c.query<{ uv: string }>(`SELECT ${UV} AS uv`, [this.name]);
      const previous = prev.rows[0]!.uv;
      if (previous === value) return { changed: false, previous };
      await c.query(
        `INSERT INTO mailbox (name, uidvalidity, floor_uid, updated_at) VALUES ($1, $2, 1, $3)
         ON CONFLICT (name) DO UPDATE SET uidvalidity = excluded.uidvalidity, floor_uid = 1, updated_at = excluded.updated_at`,
        [this.name, value, now],
      );
      return { changed: previous !== '', previous };
    });
  }

  async floor(): Promise<number> {
    const r = await this.read<{ f: number }>('SELECT floor_uid AS f FROM mailbox WHERE name = $1', [
      this.name,
    ]);
    return r[0]?.f ?? 1;
  }

  async setFloor(uid: number, now: number): Promise<void> {
    await this.write((c) =>
      c.query('UPDATE mailbox SET floor_uid = $2, updated_at = $3 WHERE name = $1', [this.name, uid, now]),
    );
  }

  async get(uid: number): Promise<MailRecord | undefined> {
    const r = await this.read<MailRow>(
      `SELECT ${COLS} FROM mail WHERE mailbox = $1 AND uidvalidity = ${UV} AND uid = $2`,
      [this.name, uid],
    );
    return r[0] ? toMailRecord(r[0]) : undefined;
  }

  async isMessageIdDone(messageId: string | undefined): Promise<boolean> {
    const id = bareMessageId(messageId);
    if (!id) return false;
    const r = await this.read('SELECT 1 FROM done_message WHERE mailbox = $1 AND message_id = $2', [
      this.name,
      id,
    ]);
    return r.length > 0;
  }

  async beginAttempt(uid: number, messageId: string | undefined, now: number): Promise<MailRecord> {
    return this.write(async (c, tok) => {
      const r = await c.query<MailRow>(
        `INSERT INTO mail (mailbox, uidvalidity, uid, status, message_id, attempts, first_seen, last_attempt, written_token)
         VALUES ($1, ${UV}, $2, 'pending', $3, 1, $4, $4, $5)
         ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET attempts = mail.attempts + 1,
           last_attempt = excluded.last_attempt, written_token = excluded.written_token, written_at = clock_timestamp()
         RETURNING ${COLS}`,
        [this.name, uid, messageId ?? null, now, tok],
      );
      return toMailRecord(r.rows[0]!);
    });
  }

  async refundAttempt(uid: number): Promise<void> {
    await this.write((c, tok) =>
      c.query(
        `UPDATE mail SET attempts = GREATEST(attempts - 1, 0), next_attempt = NULL, written_token = $3, written_at = clock_timestamp()
         WHERE mailbox = $1 AND uidvalidity = ${UV} AND uid = $2 AND status = 'pending'`,
        [this.name, uid, tok],
      ),
    );
  }

  async firstSeen(uid: number, messageId: string | undefined, now: number): Promise<number> {
    return this.write(async (c, tok) => {
      await c.query(
        `INSERT INTO mail (mailbox, uidvalidity, uid, status, message_id, attempts, first_seen, written_token)
         VALUES ($1, ${UV}, $2, 'pending', $3, 0, $4, $5) ON CONFLICT DO NOTHING`,
        [this.name, uid, messageId ?? null, now, tok],
      );
      const r = await c.query<{ f: number }>(
        `SELECT first_seen AS f FROM mail WHERE mailbox = $1 AND uidvalidity = ${UV} AND uid = $2`,
        [this.name, uid],
      );
      return r.rows[0]!.f;
    });
  }

  private finish(
    uid: number,
    status: MailStatus,
    outcome: string,
    messageId: string | undefined,
    err: string | null,
    now: number,
    file?: QuarantineFile,
  ): Promise<void> {
    return this.write(async (c, tok) => {
      await c.query(
        `UPDATE mail SET status = $3, outcome = $4, message_id = COALESCE($5, message_id), applied = 0,
           next_attempt = NULL, last_error = COALESCE($6, last_error), written_token = $7, written_at = clock_timestamp()
         WHERE mailbox = $1 AND uidvalidity = ${UV} AND uid = $2`,
        [this.name, uid, status, outcome, messageId ?? null, err, tok],
      );
      const id = bareMessageId(messageId);
      if (id) {
        await c.query(
          `INSERT INTO done_message (mailbox, message_id, outcome, done_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (mailbox, message_id) DO UPDATE SET outcome = excluded.outcome, done_at = excluded.done_at`,
          [this.name, id, outcome, now],
        );
      }
      if (status === 'quarantined') {
        await c.query(
          `INSERT INTO quarantine (mailbox, uidvalidity, uid, message_id, reason, host, path, quarantined_at)
           VALUES ($1, ${UV}, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET reason = excluded.reason, host = excluded.host,
             path = excluded.path, quarantined_at = excluded.quarantined_at`,
          [this.name, uid, id ?? null, err ?? outcome, file?.host ?? null, file?.path ?? null, now],
        );
      }
    });
  }

  async markAccepted(
    uid: number,
    outcome: string,
    messageId: string | undefined,
    now: number,
  ): Promise<void> {
    await this.finish(uid, 'done', outcome, messageId, null, now);
  }

  async markQuarantined(
    uid: number,
    reason: string,
    messageId: string | undefined,
    now: number,
    file?: QuarantineFile,
  ): Promise<void> {
    await this.finish(uid, 'quarantined', 'quarantined', messageId, reason, now, file);
  }

  async markApplied(uid: number): Promise<void> {
    await this.write((c, tok) =>
      c.query(
        `UPDATE mail SET applied = 1, written_token = $3, written_at = clock_timestamp()
         WHERE mailbox = $1 AND uidvalidity = ${UV} AND uid = $2`,
        [this.name, uid, tok],
      ),
    );
  }

  async markDeferred(uid: number, error: string, nextAttempt: number): Promise<void> {
    await this.write((c, tok) =>
      c.query(
        `UPDATE mail SET status = 'pending', outcome = 'deferred', last_error = $3, next_attempt = $4,
           written_token = $5, written_at = clock_timestamp()
         WHERE mailbox = $1 AND uidvalidity = ${UV} AND uid = $2`,
        [this.name, uid, error, nextAttempt, tok],
      ),
    );
  }

  async owed(): Promise<MailRecord[]> {
    const r = await this.read<MailRow>(
      `SELECT ${COLS} FROM mail WHERE mailbox = $1 AND uidvalidity = ${UV} AND applied = 0 AND status <> 'pending' ORDER BY uid`,
      [this.name],
    );
    return r.map(toMailRecord);
  }

  async nextDeferredDue(): Promise<number | undefined> {
    const r = await this.read<{ t: number | null }>(
      `SELECT MIN(next_attempt) AS t FROM mail
       WHERE mailbox = $1 AND uidvalidity = ${UV} AND status = 'pending' AND next_attempt IS NOT NULL`,
      [this.name],
    );
    return r[0]?.t ?? undefined;
  }

  async counts(): Promise<Record<string, number>> {
    const r = await this.read<{ s: string; n: number }>(
      `SELECT CASE WHEN status = 'pending' AND outcome = 'deferred' THEN 'deferred' ELSE status END AS s, COUNT(*) AS n
       FROM mail WHERE mailbox = $1 AND uidvalidity = ${UV} GROUP BY 1`,
      [this.name],
    );
    return Object.fromEntries(r.map((x) => [x.s, x.n]));
  }
}
