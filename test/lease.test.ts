/**
 * Mailbox leases and fencing (src/daemon/lease.ts, src/state/postgres/) against a real PostgreSQL.
 * Heartbeats are driven by hand (`tick()`), so every step is deterministic; only expiry needs real
 * time to pass, and the tests wait for the database to say a lease expired, never for a duration.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LeaseHandlers, LeaseManager } from '../src/daemon/lease.js';
import type { Fence } from '../src/daemon/mailbox-state.js';
import { Mail2TicketError } from '../src/errors.js';
import { createLogger } from '../src/logger.js';
import { type PostgresConfig, postgresConfigSchema } from '../src/state/postgres/config-schema.js';
import type { PgStateStore } from '../src/state/postgres/mailbox-state.js';
import { migrate, PG_MIGRATIONS } from '../src/state/postgres/migrations.js';
import { openPgStateStore } from '../src/state/postgres/open.js';
import { createPool } from '../src/state/postgres/pool.js';
import { until } from './helpers/fake-source.js';
import { type PgCluster, postgresAvailable, startPostgres } from './helpers/postgres.js';

const available = postgresAvailable(import.meta.url);
const logger = createLogger({ level: process.env.LEASE_DEBUG ? 'debug' : 'silent' });
const MAILBOXES = Array.from({ length: 12 }, (_, i) => `mb${String(i + 1).padStart(2, '0')}`);

let cluster: PgCluster;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function freshConfig(): Promise<PostgresConfig> {
  return postgresConfigSchema.parse({
    url: await cluster.createDatabase('lease'),
    schema: 'm2t',
    poolSize: 4,
  });
}

/** One "instance": its own pool, a lease manager, and a record of what it was told. */
class Instance {
  readonly held = new Map<string, Fence>();
  readonly events: string[] = [];
  readonly manager: LeaseManager;
  constructor(
    readonly name: string,
    readonly store: PgStateStore,
    ttlMs: number,
    mailboxes = MAILBOXES,
  ) {
    this.manager = new LeaseManager({
      pool: store.pool,
      mailboxes,
      // Heartbeats by hand: the timer's first tick would come only after ten minutes.
      settings: { ttlMs, heartbeatMs: 600_000 },
      logger,
      instance: name,
    });
  }
  readonly handlers: LeaseHandlers = {
    acquired: (m, fence) => {
      this.held.set(m, fence);
      this.events.push(`+${m}`);
    },
    lost: async (m, why) => {
      this.held.delete(m);
      this.events.push(`-${m}:${why}`);
    },
  };
  start(): Promise<void> {
    return this.manager.start(this.handlers);
  }
}

async function instance(
  cfg: PostgresConfig,
  name: string,
  ttlMs = 60_000,
  mailboxes = MAILBOXES,
): Promise<Instance> {
  const store = await openPgStateStore(cfg);
  const i = new Instance(name, store, ttlMs, mailboxes);
  closers.push(async () => {
    await i.manager.stop();
    await store.close();
  });
  return i;
}

/** Wait until the database itself says every lease of `owner` has expired. */
async function expired(store: PgStateStore, owner: string): Promise<void> {
  await until(async () => {
    const r = await store.pool.query(
      'SELECT 1 FROM mailbox_lease WHERE owner = $1 AND expires_at > clock_timestamp()',
      [owner],
    );
    return r.rowCount === 0;
  }, `leases of ${owner} expired`);
}

describe.skipIf(!available)('mailbox leases (PostgreSQL)', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('several instances starting together migrate once, under the advisory lock', async () => {
    const cfg = await freshConfig();
    const pools = Array.from({ length: 4 }, () => createPool(cfg));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p, cfg.schema)));
      expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
      expect(applied.flat().sort()).toEqual(PG_MIGRATIONS.map((m) => m.id).sort());
      const rows = await pools[0]!.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
      expect(rows.rows.map((r) => r.id)).toEqual(PG_MIGRATIONS.map((m) => m.id).sort());
      // A schema migrated by a newer mail2ticket is refused in one line, not half-used.
      await pools[0]!.query("INSERT INTO schema_migrations (id) VALUES ('from-the-future-1')");
      await expect(migrate(pools[1]!, cfg.schema)).rejects.toMatchObject({
        code: 'E_STATE',
        message: expect.stringContaining('from-the-future-1'),
      });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('claims free mailboxes with growing tokens, renews them, and releases them on stop', async () => {
    const cfg = await freshConfig();
    const a = await instance(cfg, 'a');
    await a.start();
    expect([...a.held.keys()].sort()).toEqual(MAILBOXES);
    const tokens = [...a.held.values()].map((f) => f.token);
    expect(new Set(tokens).size).toBe(12);
    const before = await a.store.pool.query<{ e: Date }>('SELECT max(expires_at) AS e FROM mailbox_lease');
    await a.manager.tick();
    const after = await a.store.pool.query<{ e: Date }>('SELECT max(expires_at) AS e FROM mailbox_lease');
    expect(after.rows[0]!.e.getTime()).toBeGreaterThan(before.rows[0]!.e.getTime());
    expect(a.manager.status()).toMatchObject({ instance: 'a', liveInstances: 1, fairShare: 12 });
    expect(a.manager.status().held).toHaveLength(12);

    await a.manager.stop();
    expect(a.events.filter((e) => e.endsWith(':stop'))).toHaveLength(12);
    const left = await a.store.pool.query('SELECT 1 FROM mailbox_lease');
    expect(left.rowCount).toBe(0);
    const inst = await a.store.pool.query('SELECT 1 FROM instance');
    expect(inst.rowCount).toBe(0);

    // Released, not expired: the next instance claims at once, with larger tokens.
    const b = await instance(cfg, 'b');
    await b.start();
    expect(b.held.size).toBe(12);
    expect(Math.min(...[...b.held.values()].map((f) => f.token))).toBeGreaterThan(Math.max(...tokens));
  });

  it('an expired lease is taken over; the old holder learns it lost it and its writes are refused', async () => {
    const cfg = await freshConfig();
    const a = await instance(cfg, 'a', 1500, ['solo']);
    const b = await instance(cfg, 'b', 60_000, ['solo']);
    await a.start();
    const old = a.held.get('solo')!;
    const stateA = a.store.mailbox('solo', old);
    await stateA.syncUidValidity('9', 1);
    await stateA.firstSeen(1, '<f1@x>', 1);
    await stateA.beginAttempt(1, '<f1@x>', 2);
    await stateA.checkLease();

    // a is "paused": no heartbeat. b cannot claim while the lease lives.
    await b.start();
    expect(b.held.size).toBe(0);
    await expired(a.store, 'a');
    // Expired but not yet claimed: a may no longer write either (the check is on expires_at).
    await expect(stateA.markAccepted(1, 'updated', '<f1@x>', 3)).rejects.toMatchObject({
      code: 'E_LEASE_LOST',
    });
    await b.manager.tick();
    const fresh = b.held.get('solo')!;
    expect(fresh.token).toBeGreaterThan(old.token);
    const log = await b.store.pool.query<{ owner: string; previous_owner: string }>(
      'SELECT owner, previous_owner FROM lease_log WHERE mailbox = $1 ORDER BY token',
      ['solo'],
    );
    expect(log.rows).toEqual([
      { owner: 'a', previous_owner: null },
      { owner: 'b', previous_owner: 'a' },
    ]);

    // a wakes up: every write and the IMAP-side check fail with E_LEASE_LOST, nothing changes.
    for (const write of [
      () => stateA.markAccepted(1, 'updated', '<f1@x>', 4),
      () => stateA.markApplied(1),
      () => stateA.beginAttempt(2, '<f2@x>', 4),
      () => stateA.setFloor(5, 4),
      () => stateA.checkLease(),
    ]) {
      const err = await write().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(Mail2TicketError);
      expect(err).toMatchObject({ code: 'E_LEASE_LOST' });
    }
    expect(await stateA.get(1)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await stateA.get(2)).toBeUndefined();
    // Its next heartbeat tells it: the worker is stopped.
    await a.manager.tick();
    await a.manager.settled();
    expect(a.events).toEqual(['+solo', '-solo:expired']);
    expect(a.held.size).toBe(0);

    // b writes under its token; the audit columns name it.
    const stateB = b.store.mailbox('solo', fresh);
    await stateB.markAccepted(1, 'updated', '<f1@x>', 5);
    await stateB.markApplied(1);
    const rows = await b.store.pool.query<{ written_token: number }>('SELECT written_token FROM mail');
    expect(rows.rows).toEqual([{ written_token: fresh.token }]);
    // And no row was written with a token after a newer claim of its mailbox.
    const late = await b.store.pool.query(
      `SELECT 1 FROM mail m JOIN lease_log l ON l.mailbox = m.mailbox
       WHERE l.token > m.written_token AND l.claimed_at < m.written_at`,
    );
    expect(late.rowCount).toBe(0);
  });

  it('a holder paused inside a fenced write does not block the takeover or the heartbeat', async () => {
    const cfg = postgresConfigSchema.parse({
      url: (await freshConfig()).url,
      schema: 'm2t',
      lease: { ttlMs: 1500, heartbeatMs: 500 },
    });
    const a = await instance(cfg, 'a', 1500, ['solo']);
    const b = await instance(cfg, 'b', 60_000, ['solo']);
    await a.start();
    await b.start();
    // What a SIGSTOP inside MailboxState.write leaves behind: an open transaction holding the
    // lease row FOR SHARE, on a connection of a's (fenced) pool.
    const paused = await a.store.pool.connect();
    const killed = new Promise<Error>((resolve) => paused.once('error', resolve));
    closers.push(async () => paused.release(true));
    await paused.query('BEGIN');
    await paused.query('SELECT 1 FROM mailbox_lease WHERE mailbox = $1 FOR SHARE', ['solo']);
    await expired(a.store, 'a');
    // b's heartbeats return (lock_timeout) and claim once the server has ended a's idle transaction.
    await until(async () => {
      await b.manager.tick();
      return b.held.has('solo');
    }, 'b claims the mailbox');
    // The server ended the paused transaction (idle_in_transaction_session_timeout).
    expect(await killed).toMatchObject({ code: '25P03' });
  });

  it('a lease deleted under its holder is noticed at the next heartbeat, then claimed anew', async () => {
    const cfg = await freshConfig();
    const a = await instance(cfg, 'a', 60_000, ['m']);
    await a.start();
    // An operator (or a bug) deletes the lease: the holder must notice on its next heartbeat.
    await a.store.pool.query('DELETE FROM mailbox_lease');
    await a.manager.tick();
    await a.manager.settled();
    // Lost, then claimed again with a new token (it is free and a is the only instance).
    expect(a.events).toEqual(['+m', '-m:expired', '+m']);
  });

  it('fair share: 12 mailboxes spread 12 → 6/6 → 4/4/4 as instances join, and back when one leaves', async () => {
    const cfg = await freshConfig();
    const a = await instance(cfg, 'a');
    const b = await instance(cfg, 'b');
    const c = await instance(cfg, 'c');
    const all = [a, b, c];
    const round = async (who: Instance[]) => {
      for (const i of who) {
        await i.manager.tick();
        // Give-backs run beside the heartbeat: let them finish, so the next instance sees them.
        await i.manager.settled();
      }
    };
    const disjoint = () => {
      const owners = new Map<string, string>();
      for (const i of all) {
        for (const m of i.held.keys()) {
          expect(owners.get(m), `${m} held by ${owners.get(m)} and ${i.name}`).toBeUndefined();
          owners.set(m, i.name);
        }
      }
      return owners;
    };

    await a.start();
    expect(a.held.size).toBe(12);
    await b.start(); // sees a: fair share 6, but all are taken
    expect(b.held.size).toBe(0);
    await round([a, b]); // a gives back 6, b claims them
    expect([a.held.size, b.held.size]).toEqual([6, 6]);
    expect(disjoint().size).toBe(12);

    await c.start();
    await round([a, b, c]);
    expect(all.map((i) => i.held.size)).toEqual([4, 4, 4]);
    expect(disjoint().size).toBe(12);
    // Given back only after the worker was stopped (the handler resolved).
    expect(a.events.filter((e) => e.endsWith(':rebalance'))).toHaveLength(8);

    // c stops (SIGTERM): its leases are released, a and b take 6 each on their next heartbeats.
    await c.manager.stop();
    await round([a, b]);
    expect([a.held.size, b.held.size, c.held.size]).toEqual([6, 6, 0]);
    expect(disjoint().size).toBe(12);
  });

  it('concurrent first heartbeats never give one mailbox to two instances', async () => {
    const cfg = await freshConfig();
    const all = await Promise.all(['x', 'y', 'z'].map((n) => instance(cfg, n)));
    await Promise.all(all.map((i) => i.start()));
    for (let r = 0; r < 3; r++) {
      await Promise.all(all.map((i) => i.manager.tick()));
      await Promise.all(all.map((i) => i.manager.settled()));
    }
    const held = all.flatMap((i) => [...i.held.keys()]);
    expect(new Set(held).size).toBe(held.length);
    expect(held.sort()).toEqual(MAILBOXES);
    expect(all.map((i) => i.held.size)).toEqual([4, 4, 4]);
  });
});
