import { parseArgs } from 'node:util';
import { type Config, loadConfigFile } from '../config.js';
import { type MailboxConfig, mailboxListProblems } from '../daemon/config-schema.js';
import { resolveSecret } from '../secrets.js';
import { describeError, isMail2TicketError } from '../errors.js';
import { defaultPort } from '../imap/config-schema.js';
import { connectImap, credentialsFor } from '../imap/connection.js';
import { silentLogger } from '../logger.js';
import type { ApiConfig } from '../api/config-schema.js';
import type { PostgresConfig } from '../state/postgres/config-schema.js';

export const CONFIG_CHECK_USAGE = 'usage: mail2ticket config check [--no-connect] FILE';

/** Per-mailbox connection test budget: connect + login + SELECT + LIST. */
export const CHECK_TIMEOUT_MS = 45_000;

export interface ConfigCheckDeps {
  out?: (line: string) => void;
}

/** Static problems of one mailbox that the schema cannot see: secrets and files that must exist. */
function staticProblems(mb: MailboxConfig, where: string): string[] {
  const problems: string[] = [];
  try {
    if (mb.auth.type === 'password') resolveSecret(mb.auth.password, `${where}.auth.password`);
    else if ('file' in mb.auth.token) resolveSecret({ file: mb.auth.token.file }, `${where}.auth.token.file`);
  } catch (err) {
    problems.push(describeError(err));
  }
  return problems;
}

async function testConnection(mb: MailboxConfig, where: string): Promise<string> {
  const client = await connectImap(mb, where, credentialsFor(mb, where), {
    logger: silentLogger(),
    socketTimeoutMs: CHECK_TIMEOUT_MS,
  });
  try {
    const box = await client
      .mailboxOpen(mb.folder, { readOnly: true })
      .catch((err: { responseText?: string }) => {
        throw new Error(
          `${where}.folder: cannot open "${mb.folder}": ${err.responseText ?? describeError(err)}`,
        );
      });
    const folders = new Set((await client.list()).map((f) => f.path));
    const notes = [mb.processedFolder, mb.quarantineFolder]
      .filter((f): f is string => Boolean(f) && !folders.has(f as string))
      .map((f) => `folder "${f}" does not exist yet (it will be created)`);
    const idle = client.capabilities.has('IDLE') ? 'IDLE' : 'no IDLE (polling)';
    return [
      `"${mb.folder}" has ${box.exists} messages, UIDVALIDITY ${box.uidValidity}, ${idle}`,
      ...notes,
    ].join('; ');
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * The API half of the check (issue 13 §2): resolve the URL (a tenant through the state service),
 * authenticate, and run the Message-Id lookup once, reporting exactly what is wrong and which setting
 * to look at. One attempt, no retries: a check should answer, not wait out a backoff.
 */
export async function checkApi(api: ApiConfig): Promise<{ ok: boolean; line: string }> {
  const [{ SuperOfficeClient }, { splitBaseUrl }, { faultLine }] = await Promise.all([
    import('../api/client.js'),
    import('../api/base-url.js'),
    import('../api/gate.js'),
  ]);
  const what = api.tenant ? `api (tenant ${api.tenant})` : 'api';
  let client: Awaited<ReturnType<typeof SuperOfficeClient.create>>;
  try {
    client = await SuperOfficeClient.create({ ...api, retry: { ...api.retry, maxAttempts: 1 } });
  } catch (err) {
    return { ok: false, line: `problem: ${what}: ${describeError(err)}` };
  }
  const started = performance.now();
  try {
    await client.probe({ signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    const { origin, basePath } = splitBaseUrl(client.baseUrl!);
    const ms = Math.round(performance.now() - started);
    return {
      ok: true,
      line: `ok: ${what} ${origin}${basePath}/api/v1: ${api.auth.scheme} credentials accepted, Message-Id lookup answered in ${ms} ms`,
    };
  } catch (err) {
    const where = client.baseUrl ? ` ${client.baseUrl}` : '';
    const line = isMail2TicketError(err) ? faultLine(err) : describeError(err);
    return { ok: false, line: `problem: ${what}${where}: ${line}` };
  } finally {
    await client.close();
  }
}

/**
 * The shared state's half of the check (issue 16): connect as the daemon will (URL, password from
 * its secret, schema on the search path), read the server version and how far the schema is
 * migrated, and say whether this role could create what is missing. Read-only: the check never
 * migrates; the first daemon does. One attempt within the pool's connect timeout.
 */
export async function checkState(cfg: PostgresConfig): Promise<{ ok: boolean; line: string }> {
  const [{ createPool, describeUrl }, { PG_MIGRATIONS }] = await Promise.all([
    import('../state/postgres/pool.js'),
    import('../state/postgres/migrations.js'),
  ]);
  const where = `state.postgres ${describeUrl(cfg.url)} (schema ${cfg.schema})`;
  const pool = createPool(cfg, { max: 1, application: 'mail2ticket config check' });
  try {
    const version = (await pool.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0]!.v;
    const schema = await pool.query<{ create: boolean; migrations: string | null }>(
      `SELECT has_database_privilege(current_database(), 'CREATE') AS create,
              to_regclass(quote_ident($1) || '.schema_migrations')::text AS migrations`,
      [cfg.schema],
    );
    const row = schema.rows[0]!;
    let state: string;
    if (row.migrations) {
      const done = new Set(
        (await pool.query<{ id: string }>(`SELECT id FROM ${row.migrations}`)).rows.map((r) => r.id),
      );
      const unknown = [...done].filter((id) => !PG_MIGRATIONS.some((m) => m.id === id));
      if (unknown.length) {
        return {
          ok: false,
          line: `problem: ${where}: the schema has migrations this mail2ticket does not know (${unknown.join(', ')}): upgrade mail2ticket or use another schema`,
        };
      }
      const missing = PG_MIGRATIONS.filter((m) => !done.has(m.id)).length;
      state = missing
        ? `${done.size} of ${PG_MIGRATIONS.length} migrations applied (the daemon applies the other ${missing})`
        : `all ${PG_MIGRATIONS.length} migrations applied`;
    } else if (row.create) {
      state = 'not created yet (the first daemon creates and migrates it)';
    } else {
      return {
        ok: false,
        line: `problem: ${where}: the schema does not exist and this role may not create it: create it, or grant CREATE on the database`,
      };
    }
    return { ok: true, line: `ok: ${where}: PostgreSQL ${version}, ${state}` };
  } catch (err) {
    return { ok: false, line: `problem: ${where}: ${describeError(err)}` };
  } finally {
    await pool.end().catch(() => {});
  }
}

/**
 * `mail2ticket config check FILE`: report every problem of the file with its path, then test
 * each mailbox's connection (login and folder). Exit 0 when all is well, 1 otherwise, 2 for usage.
 */
export async function configCheckCommand(argv: string[], deps: ConfigCheckDeps = {}): Promise<number> {
  const out = deps.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  let parsed: { values: { 'no-connect'?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { 'no-connect': { type: 'boolean' } },
      allowPositionals: true,
    });
  } catch (err) {
    out(`${describeError(err)}\n${CONFIG_CHECK_USAGE}`);
    return 2;
  }
  const file = parsed.positionals[0];
  if (!file || parsed.positionals.length > 1) {
    out(CONFIG_CHECK_USAGE);
    return 2;
  }
  let config: Config;
  try {
    config = loadConfigFile(file);
  } catch (err) {
    // parseConfig already lists every problem with its path, one per line.
    out(isMail2TicketError(err) ? err.message : describeError(err));
    return 1;
  }
  const problems = [...mailboxListProblems(config.mailboxes)];
  config.mailboxes.forEach((mb, i) => {
    problems.push(...staticProblems(mb, `mailboxes.${i}`));
  });
  for (const p of problems) out(`problem: ${p}`);
  let failed = problems.length > 0;
  if (!parsed.values['no-connect']) {
    const results = await Promise.all(
      config.mailboxes.map(async (mb, i) => {
        const where = `mailboxes.${i}`;
        const target = `${mb.host}:${mb.port ?? defaultPort(mb.tls.mode)} (${mb.tls.mode})`;
        try {
          const info = await Promise.race([
            testConnection(mb, where),
            new Promise<never>((_, reject) =>
              setTimeout(
                () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
                CHECK_TIMEOUT_MS,
              ).unref(),
            ),
          ]);
          return { ok: true, line: `ok: ${where} (${mb.name}) ${target}: ${info}` };
        } catch (err) {
          return { ok: false, line: `problem: ${where} (${mb.name}) ${target}: ${describeError(err)}` };
        }
      }),
    );
    if (config.api) results.push(await checkApi(config.api));
    if (config.state?.postgres) results.push(await checkState(config.state.postgres));
    for (const r of results) {
      out(r.line);
      if (!r.ok) failed = true;
    }
  }
  out(failed ? `${file}: problems found` : `${file}: ok (${config.mailboxes.length} mailboxes)`);
  return failed ? 1 : 0;
}
