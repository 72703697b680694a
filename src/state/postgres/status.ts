import type { PostgresConfig } from './config-schema.js';
import { ensureMigrated } from './open.js';
import { createPool, pgError } from './pool.js';

/** What `mail2ticket status` reads from the shared store for one mailbox. */
export interface PgMailboxRow {
  uidValidity: string | null;
  lastUidDone: number | null;
  deferred: number;
  lastSuccess: number | null;
  lastError: string | null;
  /** Quarantine records whose mail is still quarantined (the .eml is on `hosts`). */
  quarantined: number;
  quarantineHosts: string[];
  /** The instance holding the mailbox's live lease, or null when none does. */
  owner: { instance: string; token: number; expiresInSeconds: number } | null;
}

/**
 * Read every mailbox's state, quarantine count and lease owner in one query per concern (a status
 * check must be cheap against a database several daemons use). Read-only apart from migrating an
 * empty schema, which any instance would do on start anyway.
 */
export async function readPgStatus(cfg: PostgresConfig, names: string[]): Promise<Map<string, PgMailboxRow>> {
  const pool = createPool(cfg, { max: 2, application: 'mail2ticket status' });
  try {
    await ensureMigrated(pool, cfg);
    const r = await pool.query<{
      name: string;
      uv: string | null;
      last_done: number | null;
      deferred: number;
      last_success: number | null;
      last_error: string | null;
      quarantined: number;
      hosts: string[] | null;
      owner: string | null;
      token: number | null;
      expires_ms: number | null;
    }>(
      `SELECT n.name, b.uidvalidity AS uv,
         (SELECT MAX(uid) FROM mail m WHERE m.mailbox = n.name AND m.uidvalidity = b.uidvalidity AND m.status = 'done') AS last_done,
         (SELECT COUNT(*) FROM mail m WHERE m.mailbox = n.name AND m.uidvalidity = b.uidvalidity
            AND m.status = 'pending' AND m.outcome = 'deferred') AS deferred,
         (SELECT MAX(done_at) FROM done_message d WHERE d.mailbox = n.name) AS last_success,
         (SELECT last_error FROM mail m WHERE m.mailbox = n.name AND m.last_error IS NOT NULL
            ORDER BY COALESCE(m.last_attempt, m.first_seen) DESC LIMIT 1) AS last_error,
         (SELECT COUNT(*) FROM quarantine q JOIN mail m USING (mailbox, uidvalidity, uid)
            WHERE q.mailbox = n.name AND m.status = 'quarantined') AS quarantined,
         (SELECT array_agg(DISTINCT q.host) FROM quarantine q JOIN mail m USING (mailbox, uidvalidity, uid)
            WHERE q.mailbox = n.name AND m.status = 'quarantined' AND q.host IS NOT NULL) AS hosts,
         l.owner, l.token,
         (extract(epoch from (l.expires_at - clock_timestamp())) * 1000)::bigint AS expires_ms
       FROM unnest($1::text[]) AS n(name)
       LEFT JOIN mailbox b ON b.name = n.name
       LEFT JOIN mailbox_lease l ON l.mailbox = n.name AND l.expires_at > clock_timestamp()`,
      [names],
    );
    return new Map(
      r.rows.map((x) => [
        x.name,
        {
          uidValidity: x.uv,
          lastUidDone: x.last_done,
          deferred: x.deferred,
          lastSuccess: x.last_success,
          lastError: x.last_error,
          quarantined: x.quarantined,
          quarantineHosts: x.hosts ?? [],
          owner:
            x.owner === null
              ? null
              : {
                  instance: x.owner,
                  token: x.token!,
                  expiresInSeconds: Math.round((x.expires_ms ?? 0) / 100) / 10,
                },
        },
      ]),
    );
  } catch (err) {
    throw pgError('cannot read the shared state', cfg.url, err);
  } finally {
    await pool.end();
  }
}
