/**
 * Scale-out figures (issue 16): the same backlog on 12 Dovecot mailboxes drained by 1, 2 and 3
 * `mail2ticket run` instances sharing a PostgreSQL store (drain throughput), and how long the
 * survivors take to claim a SIGKILLed instance's mailboxes (takeover time, p50/p99).
 *
 * Times come from the database: the drain runs from the first lease claim to the last state write
 * (`written_at`); a takeover from the kill to the survivors' claims in `lease_log`. The sandbox
 * answers every API request after BENCH_SCALE_LATENCY_MS (default 50 ms, like the live drain), so
 * the figures show what several instances buy against an API with a real round trip.
 *
 *   BENCH_SCALE_MAILS   backlog size (default 240, spread over 12 mailboxes)
 *   BENCH_SCALE_KILLS   SIGKILLs for the takeover figure (default 5)
 *   node --import tsx bench/scale-out.ts   (after npm run build) runs this part alone
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'bin', 'mail2ticket.js');
const BOXES = 12;
const TTL_MS = 3000;
const HEARTBEAT_MS = 1000;

export interface ScaleDrain {
  instances: number;
  seconds: number;
  perSecond: number;
  puts: number;
}

export type ScaleOutResult =
  | { available: false; reason: string }
  | {
      available: true;
      mails: number;
      latencyMs: number;
      ttlMs: number;
      heartbeatMs: number;
      drains: ScaleDrain[];
      takeover: { samples: number; p50Ms: number; p99Ms: number; maxMs: number };
    };

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

async function until(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function runScaleOut(
  opts: { mails?: number; kills?: number; latencyMs?: number; log?: (l: string) => void } = {},
): Promise<ScaleOutResult> {
  const log = opts.log ?? (() => {});
  const perBox = Math.max(1, Math.round((opts.mails ?? 240) / BOXES));
  const mails = perBox * BOXES;
  const kills = opts.kills ?? 5;
  const latencyMs = opts.latencyMs ?? 50;
  if (!existsSync(join(ROOT, 'dist', 'cli.js')))
    return { available: false, reason: 'not built (npm run build)' };
  let dovecotMod: typeof import('../test/helpers/dovecot.js');
  let pgMod: typeof import('../test/helpers/postgres.js');
  let fixtures: typeof import('../test/helpers/imap-fixtures.js');
  try {
    dovecotMod = await import('../test/helpers/dovecot.js');
    pgMod = await import('../test/helpers/postgres.js');
    fixtures = await import('../test/helpers/imap-fixtures.js');
  } catch (err) {
    return { available: false, reason: `harness missing: ${(err as Error).message.split('\n')[0]}` };
  }
  if (!existsSync(dovecotMod.DOVECOT_BIN)) return { available: false, reason: 'dovecot-imapd not installed' };
  if (!existsSync(pgMod.POSTGRES.path)) return { available: false, reason: 'postgresql not installed' };
  const { startSandbox } = await import('../src/sandbox/server.js');
  const { sandboxApiAuth } = await import('../src/sandbox/auth.js');
  const { default: pg } = await import('pg');

  const work = mkdtempSync(join(tmpdir(), 'm2t-bench-scale-'));
  const cluster = await pgMod.startPostgres();
  const children: ChildProcess[] = [];
  const users = Array.from({ length: BOXES }, (_, i) => ({ user: `box${i + 1}`, password: `pw-${i + 1}` }));
  const seedDir = join(work, 'seed');
  mkdirSync(seedDir);
  const id = (b: number, n: number) => `scale-${b}-${n}`;
  for (let b = 1; b <= BOXES; b++)
    for (let n = 1; n <= perBox; n++)
      writeFileSync(join(seedDir, `${b}-${n}.eml`), fixtures.testMail(id(b, n)));

  /** One topology: a fresh Dovecot with the backlog, a fresh sandbox and database, N instances. */
  async function topology(n: number) {
    const dovecot = new dovecotMod.Dovecot({ users });
    await dovecot.start();
    for (const u of users) {
      const a = await new fixtures.Appender(dovecot, u).connect();
      const b = users.indexOf(u) + 1;
      for (let i = 1; i <= perBox; i++) await a.append(fixtures.testMail(id(b, i)));
      await a.close();
    }
    const sandbox = await startSandbox({ seed: [seedDir] });
    sandbox.setFaults({ latencyMs });
    const url = await cluster.createDatabase(`scale${n}`);
    const db = new pg.Pool({ connectionString: url, options: '-c search_path=m2t', max: 2 });
    const configs = Array.from({ length: 3 }, (_, i) => {
      const path = join(work, `config-${n}-${i}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          stateDir: join(work, `state-${n}-${i}`),
          state: {
            postgres: {
              url,
              schema: 'm2t',
              instance: `i${i}`,
              lease: { ttlMs: TTL_MS, heartbeatMs: HEARTBEAT_MS },
            },
          },
          api: { baseUrl: sandbox.apiUrl, auth: sandboxApiAuth(), concurrency: 2 },
          mailboxes: users.map((u) => ({
            name: u.user,
            host: '127.0.0.1',
            port: dovecot.port,
            tls: { mode: 'none' },
            auth: { type: 'password', user: u.user, password: u.password },
          })),
          daemon: { recheckIntervalMs: 2000, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } },
        }),
      );
      return path;
    });
    const start = (i: number) => {
      const c = spawn(process.execPath, [CLI, 'run', '--config', configs[i]!], {
        stdio: ['ignore', 'ignore', 'ignore'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      children.push(c);
      return c;
    };
    const close = async () => {
      for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await db.end();
      await sandbox.close();
      await dovecot.destroy();
    };
    return { db, sandbox, start, close };
  }

  const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;
  try {
    const drains: ScaleDrain[] = [];
    const samples: number[] = [];
    for (const n of [1, 2, 3]) {
      log(`scale-out: ${mails} mails on ${BOXES} mailboxes, ${n} instance(s)`);
      const t = await topology(n);
      try {
        const procs = Array.from({ length: n }, (_, i) => t.start(i));
        await until(
          async () =>
            (
              await t.db
                .query("SELECT 1 FROM m2t.mail WHERE status = 'done' AND applied = 1")
                .catch(() => ({ rowCount: 0 }))
            ).rowCount === mails,
          `${n} instance(s) draining the backlog`,
          600_000,
        );
        const r = await t.db.query<{ from: number; to: number }>(
          `SELECT (SELECT min(${ms('claimed_at')}) FROM lease_log) AS from, (SELECT max(${ms('written_at')}) FROM mail) AS to`,
        );
        const seconds = (r.rows[0]!.to - r.rows[0]!.from) / 1000;
        drains.push({
          instances: n,
          seconds,
          perSecond: mails / seconds,
          puts: t.sandbox.state().counters.puts,
        });
        if (n === 3) {
          // Takeover: kill the instance holding mailboxes, time the survivors' claims, restart it.
          for (let k = 0; k < kills; k++) {
            await until(
              async () =>
                (await t.db.query('SELECT owner FROM mailbox_lease GROUP BY owner HAVING count(*) = 4'))
                  .rowCount === 3,
              'the mailboxes spread 4/4/4',
              60_000,
            );
            const victim = k % 3;
            const held = (
              await t.db.query<{ mailbox: string }>('SELECT mailbox FROM mailbox_lease WHERE owner = $1', [
                `i${victim}`,
              ])
            ).rows.map((x) => x.mailbox);
            const killedAt = Date.now();
            procs[victim]!.kill('SIGKILL');
            await until(
              async () =>
                (
                  await t.db.query(
                    `SELECT 1 FROM lease_log WHERE previous_owner = $1 AND mailbox = ANY($2) AND ${ms('claimed_at')} >= $3`,
                    [`i${victim}`, held, killedAt],
                  )
                ).rowCount === held.length,
              'the takeover',
              60_000,
            );
            const claims = await t.db.query<{ at: number }>(
              `SELECT ${ms('claimed_at')} AS at FROM lease_log WHERE previous_owner = $1 AND mailbox = ANY($2) AND ${ms('claimed_at')} >= $3`,
              [`i${victim}`, held, killedAt],
            );
            for (const c of claims.rows) samples.push(c.at - killedAt);
            procs[victim] = t.start(victim);
          }
        }
      } finally {
        await t.close();
      }
    }
    samples.sort((a, b) => a - b);
    return {
      available: true,
      mails,
      latencyMs,
      ttlMs: TTL_MS,
      heartbeatMs: HEARTBEAT_MS,
      drains,
      takeover: {
        samples: samples.length,
        p50Ms: quantile(samples, 0.5),
        p99Ms: quantile(samples, 0.99),
        maxMs: samples[samples.length - 1] ?? Number.NaN,
      },
    };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatScaleOut(r: ScaleOutResult): string {
  if (!r.available) return `scale-out: not available (${r.reason})`;
  const one = r.drains[0]?.perSecond ?? Number.NaN;
  return [
    `scale-out (PostgreSQL state, 12 mailboxes, ${r.mails} mails, sandbox ${r.latencyMs} ms per request, api.concurrency 2):`,
    ...r.drains.map(
      (d) =>
        `  ${d.instances} instance(s): ${d.perSecond.toFixed(1)} mails/s (${d.seconds.toFixed(1)} s, ${(d.perSecond / one).toFixed(2)}x), ${d.puts} PUTs`,
    ),
    `  takeover after SIGKILL (lease TTL ${r.ttlMs} ms, heartbeat ${r.heartbeatMs} ms, ${r.takeover.samples} mailboxes): p50 ${r.takeover.p50Ms.toFixed(0)} ms, p99 ${r.takeover.p99Ms.toFixed(0)} ms, max ${r.takeover.maxMs.toFixed(0)} ms`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runScaleOut({
    mails: Number(process.env.BENCH_SCALE_MAILS ?? 240),
    kills: Number(process.env.BENCH_SCALE_KILLS ?? 5),
    latencyMs: Number(process.env.BENCH_SCALE_LATENCY_MS ?? 50),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${formatScaleOut(r)}\n`);
}
