import { hostname } from 'node:os';
import type pg from 'pg';
import { describeError } from '../errors.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { PgStateStore } from '../state/postgres/mailbox-state.js';
import type { Fence, StateStore } from './mailbox-state.js';
import type { DaemonMetrics } from './metrics.js';

/**
 * Mailbox ownership by lease (issue 16), for several instances sharing one PostgreSQL store.
 *
 * Each mailbox is worked by one instance at a time: the one holding its row in `mailbox_lease`.
 * Every heartbeat an instance
 *  1. refreshes its own row in `instance` (which is how the others count live instances),
 *  2. renews the leases it holds (only those still unexpired and still carrying its token: one
 *     that expired is gone, even when nobody claimed it yet, so a worker never outlives its lease),
 *  3. gives back mailboxes above its fair share, `ceil(mailboxes / live instances)`, so a new
 *     instance gets work, and
 *  4. claims free or expired mailboxes up to that share.
 * A claim takes a new token from the `lease_token` sequence, so tokens only grow; every state
 * write checks the token (src/state/postgres/mailbox-state.ts), so a paused instance that wakes up
 * after a takeover cannot write. Times are the database's clock (`clock_timestamp()`), never the
 * instances', so clock skew between machines does not matter.
 *
 * An instance that dies leaves its leases to expire: the others claim its mailboxes within the
 * lease TTL plus one heartbeat (its `instance` row expires with them, raising their fair share).
 */

export interface LeaseSettings {
  ttlMs: number;
  heartbeatMs: number;
}

export interface HeldLease extends Fence {
  mailbox: string;
  /** When this instance claimed it (database clock, ms since epoch). */
  claimedAt: number;
  /** Last successful renewal (database clock, ms). */
  renewedAt: number;
  expiresAt: number;
}

export interface LeaseHandlers {
  /** The mailbox is ours under this token: start its worker. */
  acquired(mailbox: string, fence: Fence): void;
  /**
   * The mailbox is no longer ours (expired, taken over) or is to be given back (rebalance, stop):
   * stop its worker. Resolves once the worker has stopped; only then is a given-back lease released.
   */
  lost(mailbox: string, why: 'expired' | 'rebalance' | 'stop'): Promise<void>;
}

export interface LeaseStatus {
  instance: string;
  liveInstances: number;
  fairShare: number;
  held: LeaseView[];
  /** ISO time of the last successful heartbeat. */
  lastHeartbeatAt: string | null;
  lastError: string | null;
}

export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}`;
}

/** Plus our own clock's view (for ages, and for when the database cannot be asked). */
type Held = HeldLease & {
  localClaimedAt: number;
  localRenewedAt: number;
  localExpiry: number;
  /** Being given back: still renewed until its worker has stopped, then deleted. */
  releasing?: boolean;
};

/** A held lease as /healthz shows it: ages by this instance's clock. */
export interface LeaseView {
  mailbox: string;
  token: number;
  ageSeconds: number;
  sinceRenewalSeconds: number;
  expiresInSeconds: number;
}

const secs = (msec: number) => Math.round(msec / 100) / 10;

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::bigint`;

export class LeaseManager {
  readonly instance: string;
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Give-backs in progress (worker stopping, then the row deleted): never awaited by a heartbeat. */
  private readonly releases = new Set<Promise<void>>();
  private stopped = false;
  private handlers: LeaseHandlers | undefined;
  private liveInstances = 0;
  private fairShare = 0;
  private lastOkAt: number | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly opts: {
      pool: pg.Pool;
      mailboxes: readonly string[];
      settings: LeaseSettings;
      logger: Logger;
      instance?: string;
    },
  ) {
    this.instance = opts.instance ?? defaultInstanceId();
  }

  /** Register, claim a first share, then keep going every heartbeat until stop(). */
  async start(handlers: LeaseHandlers): Promise<void> {
    this.handlers = handlers;
    await this.tick();
    this.schedule();
  }

  /** Fixed rate: the next heartbeat is due heartbeatMs after the previous one started. */
  private schedule(startedAt = Date.now()): void {
    if (this.stopped) return;
    const wait = Math.max(0, startedAt + this.opts.settings.heartbeatMs - Date.now());
    this.timer = setTimeout(() => {
      const began = Date.now();
      this.ticking = this.tick().finally(() => {
        this.ticking = undefined;
        this.schedule(began);
      });
    }, wait);
  }

  status(): LeaseStatus {
    const now = Date.now();
    return {
      instance: this.instance,
      liveInstances: this.liveInstances,
      fairShare: this.fairShare,
      held: [...this.held.values()].map((h) => ({
        mailbox: h.mailbox,
        token: h.token,
        ageSeconds: secs(now - h.localClaimedAt),
        sinceRenewalSeconds: secs(now - h.localRenewedAt),
        expiresInSeconds: secs(h.localExpiry - now),
      })),
      lastHeartbeatAt: this.lastOkAt === null ? null : new Date(this.lastOkAt).toISOString(),
      lastError: this.lastError,
    };
  }

  /** One heartbeat. Never throws: a database outage is logged and the leases run out on their own. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const { pool, settings, logger } = this.opts;
    try {
      const live = await pool.query<{ n: number }>(
        `WITH me AS (
           INSERT INTO instance (id, host, pid, started_at, heartbeat_at, expires_at)
           VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
           ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at
           RETURNING id)
         SELECT 1 + COUNT(*) AS n FROM instance
         WHERE expires_at > clock_timestamp() AND id <> (SELECT id FROM me)`,
        [this.instance, hostname(), process.pid, settings.ttlMs],
      );
      this.liveInstances = live.rows[0]!.n;
      this.fairShare = Math.ceil(this.opts.mailboxes.length / this.liveInstances);
      await this.renew();
      await this.rebalance();
      await this.claim();
      this.lastOkAt = Date.now();
      this.lastError = null;
    } catch (err) {
      this.lastError = describeError(err);
      logger.error(
        { err: this.lastError },
        'lease heartbeat failed; leases expire unless the next one succeeds',
      );
      // Without the database we cannot renew: stop working a mailbox once its lease has run out by
      // our own clock too (the database refuses its writes anyway; this also stops IMAP actions).
      const now = Date.now();
      for (const h of [...this.held.values()]) {
        if (h.localExpiry <= now) this.drop(h.mailbox, 'expired');
      }
    }
  }

  /** Renew what is still ours; anything not renewed is lost (expired or taken over). */
  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    const mine = [...this.held.values()];
    const sentAt = Date.now();
    const r = await this.opts.pool.query<{
      mailbox: string;
      token: number;
      renewed_at: number;
      expires_at: number;
    }>(
      `UPDATE mailbox_lease SET renewed_at = clock_timestamp(),
         expires_at = clock_timestamp() + $4 * interval '1 millisecond'
       WHERE owner = $1 AND expires_at > clock_timestamp()
         AND (mailbox, token) IN (SELECT * FROM unnest($2::text[], $3::bigint[]))
       RETURNING mailbox, token, ${ms('renewed_at')} AS renewed_at, ${ms('expires_at')} AS expires_at`,
      [this.instance, mine.map((h) => h.mailbox), mine.map((h) => h.token), this.opts.settings.ttlMs],
    );
    const renewed = new Set(r.rows.map((x) => x.mailbox));
    for (const x of r.rows) {
      const h = this.held.get(x.mailbox);
      if (!h) continue;
      h.renewedAt = x.renewed_at;
      h.expiresAt = x.expires_at;
      // Our own clock's view of the expiry, measured from when the renewal was sent (conservative).
      h.localExpiry = sentAt + this.opts.settings.ttlMs;
      h.localRenewedAt = Date.now();
    }
    for (const h of mine) {
      if (renewed.has(h.mailbox)) continue;
      this.opts.logger.warn(
        { mailbox: h.mailbox, leaseToken: h.token },
        'mailbox lease lost (expired or taken over)',
      );
      this.drop(h.mailbox, 'expired');
    }
  }

  /** Give back mailboxes above the fair share (after their worker stopped), so others can take them. */
  private async rebalance(): Promise<void> {
    const kept = [...this.held.values()].filter((h) => !h.releasing);
    const extra = kept.length - this.fairShare;
    if (extra <= 0) return;
    // The most recently claimed first: the longest-held keep their warm connections.
    const give = kept.sort((a, b) => b.claimedAt - a.claimedAt).slice(0, extra);
    for (const h of give) {
      this.opts.logger.info(
        { mailbox: h.mailbox, fairShare: this.fairShare, liveInstances: this.liveInstances },
        'giving back a mailbox lease (above fair share)',
      );
      h.releasing = true;
      // In the background: stopping the worker may take up to the shutdown grace period, and the
      // heartbeat must go on renewing the other leases (and this one) meanwhile.
      const p = this.release(h, 'rebalance').finally(() => this.releases.delete(p));
      this.releases.add(p);
    }
  }

  /** Claim free or expired mailboxes up to the fair share. */
  private async claim(): Promise<void> {
    const want = this.fairShare - this.held.size;
    if (want <= 0) return;
    const { pool, mailboxes, settings, logger } = this.opts;
    const free = await pool.query<{ m: string }>(
      `SELECT m FROM unnest($1::text[]) AS m
       WHERE NOT EXISTS (SELECT 1 FROM mailbox_lease l WHERE l.mailbox = m AND l.expires_at > clock_timestamp())
       ORDER BY random()`,
      [mailboxes.filter((m) => !this.held.has(m))],
    );
    let got = 0;
    for (const { m } of free.rows) {
      if (got >= want || this.stopped) break;
      const sentAt = Date.now();
      // One statement: claim only if free or expired (a concurrent claimer makes this a no-op),
      // and log the claim with the lease it replaced (takeover times for status and the bench).
      let r: pg.QueryResult<{ token: number; claimed_at: number; expires_at: number }>;
      try {
        r = await pool.query<{ token: number; claimed_at: number; expires_at: number }>(
          `WITH prev AS (SELECT owner, renewed_at, expires_at FROM mailbox_lease WHERE mailbox = $1),
         claimed AS (
           INSERT INTO mailbox_lease (mailbox, owner, token, claimed_at, renewed_at, expires_at)
           VALUES ($1, $2, nextval('lease_token'), clock_timestamp(), clock_timestamp(),
                   clock_timestamp() + $3 * interval '1 millisecond')
           ON CONFLICT (mailbox) DO UPDATE SET owner = excluded.owner, token = excluded.token,
             claimed_at = clock_timestamp(), renewed_at = clock_timestamp(),
             expires_at = clock_timestamp() + $3 * interval '1 millisecond'
           WHERE mailbox_lease.expires_at <= clock_timestamp()
           RETURNING token, claimed_at, expires_at),
         logged AS (
           INSERT INTO lease_log (token, mailbox, owner, claimed_at, previous_owner, previous_renewed_at, previous_expires_at)
           SELECT c.token, $1, $2, c.claimed_at, p.owner, p.renewed_at, p.expires_at
           FROM claimed c LEFT JOIN prev p ON true)
         SELECT token, ${ms('claimed_at')} AS claimed_at, ${ms('expires_at')} AS expires_at FROM claimed`,
          [m, this.instance, settings.ttlMs],
        );
      } catch (err) {
        // 55P03 lock_not_available (lock_timeout): the old holder is inside a write right now, or
        // paused inside one until the server ends it. Try this mailbox again next heartbeat.
        if ((err as { code?: unknown }).code !== '55P03') throw err;
        logger.debug({ mailbox: m }, 'mailbox lease busy; claim retried next heartbeat');
        continue;
      }
      const row = r.rows[0];
      if (!row) continue;
      got++;
      const h: Held = {
        mailbox: m,
        token: row.token,
        claimedAt: row.claimed_at,
        renewedAt: row.claimed_at,
        expiresAt: row.expires_at,
        localClaimedAt: Date.now(),
        localRenewedAt: Date.now(),
        localExpiry: sentAt + settings.ttlMs,
      };
      this.held.set(m, h);
      logger.info({ mailbox: m, leaseToken: row.token }, 'mailbox lease claimed');
      this.handlers?.acquired(m, { token: row.token });
    }
  }

  /** Stop the worker, then delete our lease row (only if it is still ours). */
  private async release(h: Held, why: 'rebalance' | 'stop'): Promise<void> {
    await this.handlers?.lost(h.mailbox, why).catch(() => {});
    // Renewed until now (the worker was still running); from here on it is not ours.
    this.held.delete(h.mailbox);
    await this.opts.pool
      .query('DELETE FROM mailbox_lease WHERE mailbox = $1 AND owner = $2 AND token = $3', [
        h.mailbox,
        this.instance,
        h.token,
      ])
      .catch((err) => {
        // Not released: it expires by itself within the TTL.
        this.opts.logger.warn({ mailbox: h.mailbox, err: describeError(err) }, 'could not release a lease');
      });
  }

  /**
   * A lease that is gone (expired, taken over): forget it and stop its worker, without waiting for
   * the worker (its writes are refused by the fence already; the heartbeat must not stall).
   */
  private drop(mailbox: string, why: 'expired'): void {
    if (!this.held.delete(mailbox)) return;
    const p = (this.handlers?.lost(mailbox, why) ?? Promise.resolve())
      .catch(() => {})
      .finally(() => this.releases.delete(p));
    this.releases.add(p);
  }

  /** Resolves when every give-back and stop started so far has finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.releases.size > 0) await Promise.all(this.releases);
  }

  /** Stop heartbeats, stop every worker, release every lease and unregister (SIGTERM). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking;
    await this.settled();
    await Promise.all([...this.held.values()].map((h) => this.release(h, 'stop')));
    await this.opts.pool.query('DELETE FROM instance WHERE id = $1', [this.instance]).catch(() => {});
  }
}

/**
 * The lease manager for a store that has leases (PostgreSQL), undefined for one that has not
 * (SQLite: one machine works every mailbox, as always).
 */
export function leaseManagerFor(
  store: StateStore,
  config: Pick<Config, 'mailboxes' | 'state'>,
  logger: Logger,
): LeaseManager | undefined {
  const pg = config.state?.postgres;
  if (!pg || !(store instanceof PgStateStore)) return undefined;
  return new LeaseManager({
    pool: store.pool,
    mailboxes: config.mailboxes.map((m) => m.name),
    settings: pg.lease,
    logger: logger.child({ component: 'lease' }),
    ...(pg.instance ? { instance: pg.instance } : {}),
  });
}

/**
 * The lease gauges, registered on the daemon's metrics and read from the lease manager at scrape
 * time (no state of their own).
 */
export function registerLeaseMetrics(metrics: DaemonMetrics, status: () => LeaseStatus): void {
  metrics.addGauge({
    name: 'mail2ticket_lease_held',
    help: 'Mailboxes whose lease this instance holds.',
    collect: (g) => g.set(status().held.length),
  });
  metrics.addGauge({
    name: 'mail2ticket_lease_fair_share',
    help: 'Most mailboxes this instance may hold: ceil(mailboxes / live instances).',
    collect: (g) => g.set(status().fairShare),
  });
  metrics.addGauge({
    name: 'mail2ticket_lease_live_instances',
    help: 'Instances with a live heartbeat, this one included.',
    collect: (g) => g.set(status().liveInstances),
  });
  metrics.addGauge({
    name: 'mail2ticket_lease_age_seconds',
    help: 'Time since this instance claimed the mailbox.',
    labelNames: ['mailbox'],
    collect: (g) => {
      g.reset();
      for (const h of status().held) g.set({ mailbox: h.mailbox }, h.ageSeconds);
    },
  });
  metrics.addGauge({
    name: 'mail2ticket_lease_renewal_age_seconds',
    help: 'Time since the mailbox lease was last renewed.',
    labelNames: ['mailbox'],
    collect: (g) => {
      g.reset();
      for (const h of status().held) g.set({ mailbox: h.mailbox }, h.sinceRenewalSeconds);
    },
  });
}
