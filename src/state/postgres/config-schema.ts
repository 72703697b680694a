import { z } from 'zod';
import { secretRefSchema } from '../../secrets.js';

/**
 * `state.postgres`: the shared store for several instances (issue 16). Absent, the state stays in
 * SQLite files in `stateDir` (one machine). Lease timing defaults are named here; an override is
 * validated against them (a heartbeat must come well within the TTL, or a healthy instance would
 * lose its mailboxes between two renewals).
 */

/** A lease not renewed for this long is free for another instance to claim. */
export const DEFAULT_LEASE_TTL_MS = 30_000;
/** Leases are renewed (and free mailboxes claimed) this often. */
export const DEFAULT_HEARTBEAT_MS = 10_000;
/** Connections per instance: the mailbox loops, the thread index and the lease heartbeat share them. */
export const DEFAULT_POOL_SIZE = 10;
/** Schema (PostgreSQL namespace) the tables live in. */
export const DEFAULT_SCHEMA = 'mail2ticket';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

export const leaseConfigSchema = z
  .object({
    ttlMs: ms(1000, 3_600_000).default(DEFAULT_LEASE_TTL_MS),
    heartbeatMs: ms(100, 600_000).default(DEFAULT_HEARTBEAT_MS),
  })
  .strict()
  .refine((l) => l.heartbeatMs * 2 <= l.ttlMs, {
    message: 'heartbeatMs must be at most half of ttlMs (a lease must survive one missed heartbeat)',
    path: ['heartbeatMs'],
  });

export const postgresConfigSchema = z
  .object({
    /** libpq-style URL, e.g. postgres://mail2ticket@db.example:5432/mail2ticket?sslmode=require */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'must be a postgres:// or postgresql:// URL')
      .refine((u) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(u), {
        message: 'put the password in state.postgres.password (literal, {"env"} or {"file"}), not in the URL',
      }),
    /** The tables' schema; created on first start. A plain identifier (no quoting games). */
    schema: z
      .string()
      .regex(
        /^[a-z_][a-z0-9_]{0,62}$/,
        'use 1-63 lower-case letters, digits or "_", not starting with a digit',
      )
      .default(DEFAULT_SCHEMA),
    password: secretRefSchema.optional(),
    poolSize: z.number().int().min(2).max(200).default(DEFAULT_POOL_SIZE),
    lease: leaseConfigSchema.default({ ttlMs: DEFAULT_LEASE_TTL_MS, heartbeatMs: DEFAULT_HEARTBEAT_MS }),
    /** How this instance names itself in leases and `status` (default: host name and process id). */
    instance: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'use 1-128 letters, digits, ".", "_", ":" or "-"')
      .optional(),
  })
  .strict();
export type PostgresConfig = z.infer<typeof postgresConfigSchema>;

export const stateConfigSchema = z
  .object({
    postgres: postgresConfigSchema.optional(),
  })
  .strict();
export type StateConfig = z.infer<typeof stateConfigSchema>;
