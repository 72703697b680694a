/**
 * Starts a real Dovecot (Debian dovecot-imapd) for tests: its own config, passwd-file users and
 * Maildir storage in a temp dir, listening on a free loopback port. Runs as root, so Dovecot's
 * privilege separation needs `default_login_user = dovenull` and `default_internal_user = dovecot`,
 * and the mail files must belong to the `dovecot` user the static userdb maps everyone to.
 *
 * When CI=true a missing dovecot binary is a failure; elsewhere `dovecotAvailable()` lets a suite skip,
 * and the skip is listed at the end of the run (test/helpers/real-parts.ts).
 */
import { randomBytes } from 'node:crypto';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RealPart, realPartsAvailable } from './real-parts.js';

export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';
const DOVEADM_BIN = '/usr/bin/doveadm';

export const DOVECOT_PART: RealPart = { name: 'dovecot', path: DOVECOT_BIN, install: 'dovecot-imapd' };

/** Dovecot for the suite at `suiteUrl` (its import.meta.url): see realPartsAvailable. */
export function dovecotAvailable(suiteUrl: string): boolean {
  return realPartsAvailable(suiteUrl, DOVECOT_PART);
}

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotOptions {
  users?: DovecotUser[];
  /** Advertise no IDLE capability (to exercise the polling fallback). */
  noIdle?: boolean;
  /**
   * Opt-in TLS: a throw-away CA and a server certificate for 127.0.0.1/localhost are made with
   * `openssl` in the temp dir; `ssl = required`, STARTTLS on `port`, implicit TLS on `tlsPort`.
   */
  tls?: boolean;
  /**
   * Opt-in OAuth 2.0: XOAUTH2/OAUTHBEARER checked by Dovecot's oauth2 passdb against this token
   * introspection endpoint (RFC 7662, `introspection_mode = post`). It must answer
   * `{"active": true, "username": "<user>"}` for a valid token.
   */
  oauth2?: {
    introspectionUrl: string;
    /** SASL mechanisms offered for tokens (default both); one alone pins what the client must use. */
    mechanisms?: ('xoauth2' | 'oauthbearer')[];
  };
}

export const OPENSSL_BIN = process.env.OPENSSL_BIN ?? '/usr/bin/openssl';

/** `openssl`, needed for `tls: true`: pass it to realPartsAvailable with DOVECOT_PART. */
export const OPENSSL_PART: RealPart = { name: 'openssl', path: OPENSSL_BIN, install: 'openssl' };

/**
 * A throw-away CA and a server certificate signed by it, valid for IPs 127.0.0.1, 127.0.0.2 and DNS localhost
 * (Node checks an IP host against the IP SANs, RFC 6125). Returns the paths.
 */
export function makeTestCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true });
  const f = (n: string) => join(dir, n);
  const ssl = (args: string[]) => execFileSync(OPENSSL_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=mail2ticket test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  ssl(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(
    f('server.ext'),
    'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  ssl([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('server.pem'),
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
  ]);
  return { caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function uidOf(name: string): number {
  return Number(execFileSync('id', ['-u', name]).toString().trim());
}
function gidOf(name: string): number {
  return Number(execFileSync('id', ['-g', name]).toString().trim());
}

function chownTree(path: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, path]);
}

async function waitForPort(port: number, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`dovecot exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.setTimeout(2000, () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dovecot did not answer on port ${port} within ${timeoutMs} ms`);
}

function descendants(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('pgrep', ['-P', String(pid)]).toString();
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  const kids = out.split(/\s+/).filter(Boolean).map(Number);
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

export class Dovecot {
  readonly dir: string;
  port = 0;
  /** Implicit-TLS (imaps) port; 0 unless the `tls` option is on. */
  tlsPort = 0;
  /** PEM of the throw-away CA that signed the server certificate (only with the `tls` option). */
  caFile = '';
  /**
   * With `tls`, the listeners also bind this address. Dovecot counts a connection whose remote IP
   * equals its local IP (127.0.0.1 -> 127.0.0.1) as secured and would allow cleartext login despite
   * `ssl = required`; a client connecting to 127.0.0.2 comes from 127.0.0.1 and is treated as remote.
   */
  readonly remoteHost = '127.0.0.2';
  readonly users: DovecotUser[];
  private proc: ChildProcess | undefined;
  private readonly opts: DovecotOptions;

  constructor(opts: DovecotOptions = {}) {
    this.opts = opts;
    this.users = opts.users ?? [{ user: 'alice', password: 'alice-secret-pw' }];
    this.dir = mkdtempSync(join(tmpdir(), 'm2t-dovecot-'));
    // The dovecot user must be able to reach its mail below this directory.
    chmodSync(this.dir, 0o755);
  }

  get configPath(): string {
    return join(this.dir, 'dovecot.conf');
  }

  mailDir(user: string): string {
    return join(this.dir, 'mail', user);
  }

  private writeConfig(): void {
    const d = this.dir;
    for (const sub of ['run', 'state', 'mail']) mkdirSync(join(d, sub), { recursive: true });
    writeFileSync(
      join(d, 'passwd'),
      this.users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''),
    );
    let tlsConf = 'ssl = no\n';
    const listen = this.opts.tls ? `127.0.0.1, ${this.remoteHost}` : '127.0.0.1';
    if (this.opts.tls) {
      if (!this.caFile) this.caFile = makeTestCertificates(join(d, 'tls')).caFile;
      // Dovecot reads ssl_cert/ssl_key as root (the config process) before dropping privileges.
      tlsConf = `ssl = required\nssl_cert = <${d}/tls/server.pem\nssl_key = <${d}/tls/server.key\nssl_min_protocol = TLSv1.2\n`;
    }
    let authConf = `auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${d}/passwd
}
`;
    if (this.opts.oauth2) {
      writeFileSync(
        join(d, 'dovecot-oauth2.conf.ext'),
        `introspection_mode = post
introspection_url = ${this.opts.oauth2.introspectionUrl}
username_attribute = username
active_attribute = active
active_value = true
`,
      );
      const mechs = (this.opts.oauth2.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ');
      authConf = `auth_mechanisms = plain login ${mechs}
passdb {
  driver = oauth2
  mechanisms = ${mechs}
  args = ${d}/dovecot-oauth2.conf.ext
}
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u ${d}/passwd
}
`;
    }
    const capability = this.opts.noIdle
      ? 'imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE ESEARCH SEARCHRES MOVE SPECIAL-USE\n'
      : '';
    writeFileSync(
      this.configPath,
      `# Generated by test/helpers/dovecot.ts
base_dir = ${d}/run
state_dir = ${d}/state
instance_name = m2t-${this.port}
log_path = ${d}/dovecot.log
protocols = imap
listen = 127.0.0.1
${tlsConf}disable_plaintext_auth = no
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:${d}/mail/%u
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 1
${authConf}userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${d}/mail/%u
}
${capability}service imap-login {
  inet_listener imap {
    address = ${listen}
    port = ${this.port}
  }
  inet_listener imaps {
    ${this.opts.tls ? `address = ${listen}\n    port = ${this.tlsPort}\n    ssl = yes` : 'port = 0'}
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
`,
    );
    mkdirSync(join(d, 'mail'), { recursive: true });
    for (const u of this.users) mkdirSync(this.mailDir(u.user), { recursive: true });
    chownTree(join(d, 'mail'), uidOf('dovecot'), gidOf('dovecot'));
  }

  /** Start (or restart on the same port). */
  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (!this.port || attempt > 0) this.port = await freePort();
      if (this.opts.tls && (!this.tlsPort || attempt > 0)) this.tlsPort = await freePort();
      this.writeConfig();
      const proc = spawn(DOVECOT_BIN, ['-F', '-c', this.configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      proc.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      this.proc = proc;
      try {
        await waitForPort(this.port, proc, 20_000);
        return;
      } catch (err) {
        proc.kill('SIGKILL');
        if (attempt >= 3) throw new Error(`${(err as Error).message}: ${stderr}${this.log()}`);
      }
    }
  }

  /** Restart on the same port, keeping the mail (the "server restart" scenario). */
  async restart(): Promise<void> {
    await this.stop();
    const proc = spawn(DOVECOT_BIN, ['-F', '-c', this.configPath], { stdio: 'ignore' });
    this.proc = proc;
    await waitForPort(this.port, proc, 20_000);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    // Dovecot's master leaves running imap sessions alive when it stops; a real server restart
    // (or crash) drops them, so kill the whole process tree.
    const children = descendants(proc.pid!);
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
    });
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // The master exits before its children have released the port; wait until it is free.
    for (let i = 0; i < 100; i++) {
      const free = await new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', () => resolve(true));
      });
      if (free) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Give a folder a new UIDVALIDITY and renumber its mail, as a server does after its index was
   * lost or the folder was recreated. Dovecot must be stopped around this.
   */
  async resetUidValidity(user: string, newUidValidity: number): Promise<void> {
    await this.stop();
    const md = this.mailDir(user);
    for (const f of readdirSync(md)) {
      if (
        f.startsWith('dovecot-uidlist') ||
        f.startsWith('dovecot.index') ||
        f.startsWith('dovecot.list.index')
      ) {
        rmSync(join(md, f), { force: true });
      }
    }
    // A fresh uidlist with the wanted UIDVALIDITY: Dovecot renumbers every message from 1.
    const guid = randomBytes(16).toString('hex');
    writeFileSync(join(md, 'dovecot-uidlist'), `3 V${newUidValidity} N1 G${guid}\n`);
    chownTree(md, uidOf('dovecot'), gidOf('dovecot'));
    const proc = spawn(DOVECOT_BIN, ['-F', '-c', this.configPath], { stdio: 'ignore' });
    this.proc = proc;
    await waitForPort(this.port, proc, 20_000);
  }

  doveadm(args: string[]): string {
    return execFileSync(DOVEADM_BIN, ['-c', this.configPath, ...args]).toString();
  }

  log(): string {
    try {
      return execFileSync('tail', ['-n', '30', join(this.dir, 'dovecot.log')]).toString();
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
