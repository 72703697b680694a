/**
 * `mail2ticket config check` probes the shared state too (issue 16): against a real PostgreSQL it
 * says whether the daemon will be able to connect, how far the schema is migrated, whether this
 * role may create what is missing, and, when it cannot connect, one line naming the URL (never a
 * password) and what failed. The check itself never migrates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkState, configCheckCommand } from '../src/commands/config-check.js';
import { type PostgresConfig, postgresConfigSchema } from '../src/state/postgres/config-schema.js';
import { PG_MIGRATIONS } from '../src/state/postgres/migrations.js';
import { openPgStateStore } from '../src/state/postgres/open.js';
import { freePort } from './helpers/dovecot.js';
import { type PgCluster, postgresAvailable, startPostgres } from './helpers/postgres.js';

const available = postgresAvailable(import.meta.url);

describe.skipIf(!available)('config check probes PostgreSQL', () => {
  let cluster: PgCluster;
  const dir = mkdtempSync(join(tmpdir(), 'm2t-cc-state-'));
  const cfg = (o: Record<string, unknown>): PostgresConfig =>
    postgresConfigSchema.parse({ schema: 'm2t', ...o });

  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a fresh database: ok, the schema not created yet, and the check created nothing', async () => {
    const url = await cluster.createDatabase('cc');
    const r = await checkState(cfg({ url }));
    expect(r.ok).toBe(true);
    expect(r.line).toMatch(
      /^ok: state\.postgres postgres:\/\/postgres@127\.0\.0\.1:\d+\/cc_\d+_\d+ \(schema m2t\): PostgreSQL \d+\.\d+.*, not created yet/,
    );
    const schemas = await cluster.sql(
      "SELECT 1 FROM pg_namespace WHERE nspname = 'm2t'",
      [],
      url.split('/').pop(),
    );
    expect(schemas).toEqual([]);
  });

  it('a migrated schema: every migration applied; an unknown one is a problem', async () => {
    const url = await cluster.createDatabase('cc');
    const store = await openPgStateStore(cfg({ url }));
    await store.close();
    const ok = await checkState(cfg({ url }));
    expect(ok).toMatchObject({ ok: true });
    expect(ok.line).toContain(`all ${PG_MIGRATIONS.length} migrations applied`);
    const db = url.split('/').pop();
    await cluster.sql("INSERT INTO m2t.schema_migrations (id) VALUES ('from-the-future-1')", [], db);
    const newer = await checkState(cfg({ url }));
    expect(newer.ok).toBe(false);
    expect(newer.line).toMatch(
      /^problem: state\.postgres .*does not know \(from-the-future-1\): upgrade mail2ticket/,
    );
  });

  it('a role that may not create the schema is told so before the daemon fails on it', async () => {
    const url = await cluster.createDatabase('cc');
    await cluster.sql('DROP ROLE IF EXISTS m2t_limited');
    await cluster.sql('CREATE ROLE m2t_limited LOGIN');
    const limited = url.replace('postgres://postgres@', 'postgres://m2t_limited@');
    const r = await checkState(cfg({ url: limited }));
    expect(r.ok).toBe(false);
    expect(r.line).toMatch(/^problem: state\.postgres postgres:\/\/m2t_limited@.*may not create it/);
  });

  it('nothing listening: one line with the URL and the reason, no password; the command exits 1', async () => {
    const port = await freePort();
    const url = `postgres://mail2ticket@127.0.0.1:${port}/m2t`;
    const r = await checkState(cfg({ url, password: 's3cret-pg-pw' }));
    expect(r.ok).toBe(false);
    expect(r.line).toMatch(
      new RegExp(
        `^problem: state\\.postgres postgres://mail2ticket@127\\.0\\.0\\.1:${port}/m2t \\(schema m2t\\): .*ECONNREFUSED`,
      ),
    );
    expect(r.line).not.toContain('s3cret-pg-pw');
    expect(r.line.split('\n')).toHaveLength(1);

    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ state: { postgres: { url, password: 's3cret-pg-pw' } } }));
    const out: string[] = [];
    const code = await configCheckCommand([file], { out: (l) => out.push(l) });
    expect(code).toBe(1);
    expect(out.some((l) => l.startsWith('problem: state.postgres'))).toBe(true);
    expect(out.join('\n')).not.toContain('s3cret-pg-pw');
    expect(out.at(-1)).toBe(`${file}: problems found`);
  });
});
