import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, loadConfigFile } from '../config.js';
import type { MailboxConfig } from '../daemon/config-schema.js';
import { quarantineDir } from '../daemon/quarantine.js';
import { describeError, Mail2TicketError } from '../errors.js';
import { silentLogger } from '../logger.js';

export const STATUS_USAGE = 'usage: mail2ticket status --config FILE [--json]';

/** Per-connection budget: a status check must answer, not hang on a dead server. */
const CHECK_TIMEOUT_MS = 15_000;

export interface MailboxStatus {
  name: string;
  folder: string;
  /** UIDVALIDITY the state works at (null: the daemon never opened the folder). */
  uidValidity: string | null;
  /** Highest UID done (accepted by the API, or a duplicate) at that UIDVALIDITY. */
  lastUidDone: number | null;
  /** Mail in the folder still to do, from IMAP STATUS: UNSEEN (afterSuccess "seen") or MESSAGES
   * ("move"); deferred and left-in-place quarantined mail count too. Null when IMAP is down. */
  backlog: number | null;
  deferred: number;
  quarantined: number;
  /** When the last mail was done (ISO 8601), from the state. */
  lastSuccess: string | null;
  /** The newest error recorded on a mail (deferred or quarantined). */
  lastError: string | null;
  imap: { ok: boolean; detail: string };
  /**
   * With `state.postgres` (several instances): the instance holding the mailbox's lease, null when
   * none does. Absent with SQLite (one machine works every mailbox).
   */
  owner?: { instance: string; token: number; expiresInSeconds: number } | null;
  /** Why this mailbox needs attention; empty when all is well. */
  attention: string[];
}

export interface StatusReport {
  ok: boolean;
  api: { ok: boolean; detail: string } | null;
  mailboxes: MailboxStatus[];
}

interface StateRow {
  uidValidity: string | null;
  lastUidDone: number | null;
  deferred: number;
  lastSuccess: number | null;
  lastError: string | null;
  /** From the shared store (PostgreSQL); with SQLite the quarantine directory is counted. */
  quarantined?: number;
  owner?: MailboxStatus['owner'];
}

/** Read the daemon's state without writing it (read-only; absent state is "never ran"). */
async function readState(stateDir: string, names: string[]): Promise<Map<string, StateRow>> {
  const out = new Map<string, StateRow>();
  const path = join(stateDir, 'mailboxes.sqlite');
  if (!existsSync(path)) return out;
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    for (const name of names) {
      const mb = db.prepare('SELECT uidvalidity FROM mailbox WHERE name = ?').get(name) as
        | { uidvalidity: string | null }
        | undefined;
      const uv = mb?.uidvalidity ?? null;
      const one = <T>(sql: string, ...p: unknown[]) => db.prepare(sql).get(...p) as T;
      const lastDone = one<{ u: number | null }>(
        `SELECT MAX(uid) AS u FROM mail WHERE mailbox = ? AND uidvalidity = ? AND status = 'done'`,
        name,
        uv ?? '',
      );
      const deferred = one<{ n: number }>(
        `SELECT COUNT(*) AS n FROM mail WHERE mailbox = ? AND uidvalidity = ? AND status = 'pending' AND outcome = 'deferred'`,
        name,
        uv ?? '',
      );
      const success = one<{ t: number | null }>(
        'SELECT MAX(done_at) AS t FROM done_message WHERE mailbox = ?',
        name,
      );
      const error = one<{ e: string | null } | undefined>(
        `SELECT last_error AS e FROM mail WHERE mailbox = ? AND last_error IS NOT NULL
         ORDER BY COALESCE(last_attempt, first_seen) DESC LIMIT 1`,
        name,
      );
      out.set(name, {
        uidValidity: uv,
        lastUidDone: lastDone.u,
        deferred: deferred.n,
        lastSuccess: success.t,
        lastError: error?.e ?? null,
      });
    }
  } finally {
    db.close();
  }
  return out;
}

function countQuarantined(stateDir: string, mailbox: string): number {
  try {
    return readdirSync(quarantineDir(stateDir, mailbox)).filter((f) => f.endsWith('.json')).length;
  } catch {
    return 0;
  }
}

async function imapStatus(
  mb: MailboxConfig,
  where: string,
): Promise<{ ok: boolean; detail: string; backlog: number | null; uidValidity?: string }> {
  const { connectImap, credentialsFor } = await import('../imap/connection.js');
  try {
    const client = await connectImap(mb, where, credentialsFor(mb, where), {
      logger: silentLogger(),
      socketTimeoutMs: CHECK_TIMEOUT_MS,
    });
    try {
      const s = await client.status(mb.folder, {
        messages: true,
        unseen: true,
        uidValidity: true,
        uidNext: true,
      });
      if (!s) throw new Error(`STATUS "${mb.folder}" failed (does the folder exist?)`);
      const backlog = (mb.afterSuccess === 'move' ? s.messages : s.unseen) ?? null;
      return {
        ok: true,
        detail: `"${mb.folder}": ${s.messages ?? '?'} messages, ${s.unseen ?? '?'} unseen`,
        backlog,
        ...(s.uidValidity !== undefined ? { uidValidity: String(s.uidValidity) } : {}),
      };
    } finally {
      await client.logout().catch(() => client.close());
    }
  } catch (err) {
    return { ok: false, detail: describeError(err), backlog: null };
  }
}

async function apiStatus(config: Config): Promise<{ ok: boolean; detail: string } | null> {
  if (!config.api) return null;
  const { SuperOfficeClient } = await import('../api/client.js');
  let client: Awaited<ReturnType<typeof SuperOfficeClient.create>> | undefined;
  try {
    client = await SuperOfficeClient.create(
      { ...config.api, retry: { ...config.api.retry, maxAttempts: 1 } },
      { logger: silentLogger() },
    );
    await client.getDefaultTicketMessage({ signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    return { ok: true, detail: `${config.api.baseUrl} answers` };
  } catch (err) {
    return { ok: false, detail: describeError(err) };
  } finally {
    await client?.close();
  }
}

/** Everything `status` reports, gathered concurrently (IMAP per mailbox, the API). */
export async function gatherStatus(config: Config): Promise<StatusReport> {
  const names = config.mailboxes.map((m) => m.name);
  const pg = config.state?.postgres;
  const state: Map<string, StateRow> = pg
    ? await (await import('../state/postgres/status.js')).readPgStatus(pg, names)
    : await readState(config.stateDir, names);
  const [api, ...imaps] = await Promise.all([
    apiStatus(config),
    ...config.mailboxes.map((mb, i) => imapStatus(mb, `mailboxes.${i}`)),
  ]);
  const mailboxes = config.mailboxes.map((mb, i): MailboxStatus => {
    const st = state.get(mb.name);
    const imap = imaps[i]!;
    const quarantined = st?.quarantined ?? countQuarantined(config.stateDir, mb.name);
    const attention: string[] = [];
    if (!imap.ok) attention.push(`IMAP: ${imap.detail}`);
    if (pg && !st?.owner) attention.push('no instance holds this mailbox: is any daemon running?');
    if (quarantined > 0) attention.push(`${quarantined} quarantined (see "mail2ticket quarantine list")`);
    if (imap.uidValidity && st?.uidValidity && imap.uidValidity !== st.uidValidity) {
      attention.push(
        `UIDVALIDITY changed (${st.uidValidity} -> ${imap.uidValidity}): the daemon re-scans the folder`,
      );
    }
    return {
      name: mb.name,
      folder: mb.folder,
      uidValidity: st?.uidValidity ?? null,
      lastUidDone: st?.lastUidDone ?? null,
      backlog: imap.backlog,
      deferred: st?.deferred ?? 0,
      quarantined,
      lastSuccess: st?.lastSuccess ? new Date(st.lastSuccess).toISOString() : null,
      lastError: st?.lastError ?? null,
      imap: { ok: imap.ok, detail: imap.detail },
      ...(pg ? { owner: st?.owner ?? null } : {}),
      attention,
    };
  });
  const ok = (api?.ok ?? true) && mailboxes.every((m) => m.attention.length === 0);
  return { ok, api, mailboxes };
}

function formatText(r: StatusReport): string {
  const lines: string[] = [];
  lines.push(`api: ${r.api ? `${r.api.ok ? 'ok' : 'FAILING'}: ${r.api.detail}` : 'not configured'}`);
  for (const m of r.mailboxes) {
    lines.push(
      `${m.name} (${m.folder}): last UID done ${m.lastUidDone ?? '-'}, backlog ${m.backlog ?? '?'}, ` +
        `deferred ${m.deferred}, quarantined ${m.quarantined}, last success ${m.lastSuccess ?? 'never'}` +
        (m.owner === undefined
          ? ''
          : `, owner ${m.owner ? `${m.owner.instance} (lease ${m.owner.token})` : 'none'}`),
    );
    lines.push(`  imap: ${m.imap.ok ? 'ok' : 'FAILING'}: ${m.imap.detail}`);
    if (m.lastError) lines.push(`  last error: ${m.lastError}`);
    for (const a of m.attention) lines.push(`  needs attention: ${a}`);
  }
  lines.push(r.ok ? 'all well' : 'needs attention');
  return `${lines.join('\n')}\n`;
}

/**
 * `mail2ticket status`: the daemon's state (read-only), IMAP STATUS of each folder and the API's
 * health. Exit 0 when all is well, 1 when something needs attention (a monitoring check), 2 for usage.
 */
export async function statusCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<number> {
  let values: { config?: string; json?: boolean };
  try {
    const parsed = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: false,
      strict: true,
    });
    values = parsed.values;
    if (!values.config) throw new Mail2TicketError('E_USAGE', '--config FILE is required');
  } catch (err) {
    io.stderr.write(
      `mail2ticket status: ${describeError(err).replace(/\. To specify.*$/s, '')}\n${STATUS_USAGE}\n`,
    );
    return 2;
  }
  let config: Config;
  try {
    config = loadConfigFile(values.config!);
  } catch (err) {
    io.stderr.write(`mail2ticket: ${describeError(err)}\n`);
    return 2;
  }
  let report: StatusReport;
  try {
    report = await gatherStatus(config);
  } catch (err) {
    io.stderr.write(`mail2ticket status: ${describeError(err)}\n`);
    return 1;
  }
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatText(report));
  return report.ok ? 0 : 1;
}
