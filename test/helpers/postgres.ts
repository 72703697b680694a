/**
 * Starts a real, throw-away PostgreSQL cluster (Debian's `postgresql` package) for a test file:
 * `initdb` into a temp dir, `postgres` on a free loopback port with its unix socket in the same
 * temp dir, as test/helpers/dovecot.ts does for Dovecot. Run as root (CI, this machine) the
 * server runs as the `postgres` user (PostgreSQL refuses to run as root), via spawn's uid/gid.
 *
 * Cheap on purpose: `--no-sync` and `fsync = off` (a test cluster need not survive power loss),
 * trust authentication on loopback, one fresh database per test through `createDatabase()`.
 * Torn down by `stop()` (afterAll). PostgreSQL does not notice its parent's death, so an `exit`
 * hook kills the server too should the test process end without afterAll.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './dovecot.js';
import { type RealPart, realPartsAvailable } from './real-parts.js';

/** The newest installed major version's binaries (Debian: /usr/lib/postgresql/<major>/bin). */
function defaultBinDir(): string {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return join(root, '15', 'bin');
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d))
    .sort((a, b) => Number(b) - Number(a));
  return join(root, majors[0] ?? '15', 'bin');
}

export const POSTGRES_BIN_DIR = process.env.M2T_PG_BIN_DIR ?? defaultBinDir();

export const POSTGRES: RealPart = {
  name: 'postgresql',
  path: join(POSTGRES_BIN_DIR, 'postgres'),
  install: 'apt-get install postgresql',
};

/** PostgreSQL for the suite at `suiteUrl` (its import.meta.url): see realPartsAvailable. */
export function postgresAvailable(suiteUrl: string): boolean {
  return realPartsAvailable(suiteUrl, POSTGRES);
}

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(execFileSync('id', [flag, name]).toString().trim());
}

export class PgCluster {
  readonly dir: string;
  port = 0;
  private proc: ChildProcess | undefined;
  private readonly owner: { uid: number; gid: number } | undefined;
  private dbCount = 0;
  private readonly onExit = () => this.proc?.kill('SIGKILL');

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'm2t-pg-'));
    // PostgreSQL will not run as root: hand the directory to the postgres user.
    if (process.getuid?.() === 0) {
      this.owner = { uid: idOf('-u', 'postgres'), gid: idOf('-g', 'postgres') };
      chownSync(this.dir, this.owner.uid, this.owner.gid);
    }
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Superuser URL of database `db` (trust auth on loopback: no password). */
  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  async start(): Promise<void> {
    execFileSync(
      join(POSTGRES_BIN_DIR, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
      { stdio: ['ignore', 'ignore', 'pipe'], ...this.owner },
    );
    for (let attempt = 0; ; attempt++) {
      this.port = await freePort();
      try {
        await this.launch();
        return;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
  }

  /** Start the server on `this.port` over the existing data directory; wait until it answers. */
  private async launch(): Promise<void> {
    const proc = spawn(
      join(POSTGRES_BIN_DIR, 'postgres'),
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        '-h',
        '127.0.0.1',
        '-k',
        this.dir,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], ...this.owner },
    );
    let stderr = '';
    proc.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    this.proc = proc;
    process.once('exit', this.onExit);
    try {
      await this.waitReady(proc, 30_000);
    } catch (err) {
      proc.kill('SIGKILL');
      process.off('exit', this.onExit);
      throw new Error(`${(err as Error).message}: ${stderr.slice(-2000)}`);
    }
  }

  /**
   * Take the server down (fast shutdown: every connection is ended, as a restart or failover does
   * to clients) and keep it down; `up()` brings it back on the same port with the same data.
   */
  async down(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    process.off('exit', this.onExit);
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGINT');
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
    });
  }

  async up(): Promise<void> {
    await this.launch();
  }

  private async waitReady(proc: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`postgres exited with ${proc.exitCode}`);
      const c = new pg.Client({ connectionString: this.url() });
      try {
        await c.connect();
        await c.query('SELECT 1');
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await c.end().catch(() => {});
      }
    }
    throw new Error(`postgres did not answer on port ${this.port} within ${timeoutMs} ms`);
  }

  /** A new empty database; its URL. Each test taking its own keeps tests independent. */
  async createDatabase(prefix = 'm2t'): Promise<string> {
    const name = `${prefix}_${process.pid}_${++this.dbCount}`;
    await this.sql(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  /** Run one statement as superuser on database `db`. */
  async sql<T extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    params: unknown[] = [],
    db = 'postgres',
  ): Promise<T[]> {
    const c = new pg.Client({ connectionString: this.url(db) });
    await c.connect();
    try {
      return (await c.query<T>(text, params)).rows;
    } finally {
      await c.end();
    }
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    process.off('exit', this.onExit);
    if (proc && proc.exitCode === null) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        // SIGQUIT: immediate shutdown; nothing here needs a clean checkpoint.
        proc.kill('SIGQUIT');
        setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Start a cluster (for beforeAll); pair with `cluster.stop()` in afterAll. */
export async function startPostgres(): Promise<PgCluster> {
  const c = new PgCluster();
  try {
    await c.start();
    return c;
  } catch (err) {
    await c.stop();
    throw err;
  }
}
