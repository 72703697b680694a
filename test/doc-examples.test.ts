import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { writeQuarantine } from '../src/daemon/quarantine.js';
import { DOVECOT_PART, Dovecot, OPENSSL_PART } from './helpers/dovecot.js';
import { realPartsAvailable } from './helpers/real-parts.js';
import {
  allDocBlocks,
  classifyBlock,
  type DocBlock,
  parseJsonFragment,
  type ShellCommand,
  shellCommands,
} from './helpers/doc-examples.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';

/**
 * Every example in README.md and docs/*.md runs as written (issue #18): the README's own `baseUrl`
 * example once sent every request to a wrong path and no test noticed, because the README test
 * only parsed its config. Here each config block is loaded and then used by its document's shell
 * lines, run with the built CLI against the strict sandbox (which serves only the tenant's path)
 * and a real Dovecot, and each shell line is executed. The conventions (which fence is what, how
 * a fragment is marked) are in test/helpers/doc-examples.ts.
 *
 * What the test substitutes, and nothing else:
 *
 * | in the doc                                    | in the test                                                   |
 * |-----------------------------------------------|---------------------------------------------------------------|
 * | `mail2ticket ...`                             | `node bin/mail2ticket.js ...` (the built CLI), cwd: a temp    |
 * |                                               | dir with `fixtures/` linked in, so `fixtures/...` and a       |
 * |                                               | relative `stateDir` resolve as in a clone                     |
 * | `config.json`, `/etc/mail2ticket/config.json` | `config.json` in that dir: the same document's config block,  |
 * |                                               | rewritten as below                                            |
 * | `--port N`                                    | `--port 0` (a free port; parallel test runs share the host)   |
 * | config `api.baseUrl`                          | its origin becomes the sandbox's `http://127.0.0.1:PORT`; the |
 * |                                               | path is kept exactly as written (the point of this test)      |
 * | config `api.auth.tokenCommand`                | a script printing a test token                                |
 * | config `{ "env": NAME }` secrets              | NAME set to a test value in the commands' environment         |
 * | config absolute `stateDir`                    | `state/` in the temp dir                                      |
 * | config `mailboxes[].host`, `port`             | Dovecot on 127.0.0.1 (its implicit-TLS port for `implicit`)   |
 * | config `mailboxes[].tls.caFile`               | added: the CA of Dovecot's test certificate (verification on) |
 * | config `daemon.http.port`                     | 0 (a free port)                                               |
 * | a quarantine ID `MAILBOX/UIDVALIDITY-UID`     | a record made before the first line under `stateDir/quarantine`|
 * | named by a `quarantine` line                  | (see below), as the daemon writes it                          |
 *
 * Quarantine: each ID the document's `quarantine` lines name (and, for `retry --all`, one more that
 * no line names) is a mail the daemon quarantined: a
 * fixture mail (seeded in the sandbox, so a retry succeeds) with the record the daemon writes
 * (src/daemon/quarantine.ts). When the config has that mailbox with a `quarantineFolder`, the mail
 * is also in that folder on Dovecot, as the daemon leaves it, so `retry` must find and flag it
 * there. Each line is checked against what is left: `list` shows exactly those IDs, `show` the
 * mail's Message-Id, `retry` updates it in the sandbox and removes the record, `drop` removes it,
 * and `status` exits 1 exactly while a configured mailbox still has quarantined mail.
 *
 * The sandbox: the document's own `mail2ticket sandbox` line when it has one (README), else one
 * the test starts the same way (`sandbox --port 0 --tenant <first path segment of baseUrl>
 * --config config.json --seed fixtures/mail mail.eml`). Dovecot: started when the config has
 * mailboxes, with the mailbox's user and password; `mail.eml` is in its INBOX before the first line.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/mail2ticket.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const NO_API_ERROR = 'mail2ticket: live mode needs an "api" section in the config (or use --dry-run)\n';

/** Shell lines the test does not execute, and why. Every other line must have a runner below. */
const NOT_RUN: [RegExp, string][] = [
  [/^npm ci$/, 'installs dependencies: the test runs on the installed tree'],
  [/^npm test$/, 'runs the whole suite, this test included'],
];

const blocks = allDocBlocks(ROOT);
const kinds = new Map(blocks.map((b) => [b, classifyBlock(b)]));
const ofKind = (k: string) => blocks.filter((b) => kinds.get(b) === k);

describe('doc examples: every fenced block of README.md and docs/*.md is classified', () => {
  it('finds the blocks (README.md and docs/*.md are read)', () => {
    expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThan(3);
    expect(ofKind('config').length).toBeGreaterThanOrEqual(2);
    expect(ofKind('shell').length).toBeGreaterThanOrEqual(3);
  });

  it('has no unmarked block it cannot classify (mark partial ones as fragments)', () => {
    const unknown = blocks
      .filter((b) => kinds.get(b) === undefined)
      .map((b) => `${b.where} (\`\`\`${[b.lang, ...b.flags].join(' ')} under "${b.heading}")`);
    expect(unknown).toEqual([]);
  });

  it('library TypeScript blocks (docs/api.md, README) are left to the pack test; nothing else is skipped', () => {
    for (const b of ofKind('api-ts')) expect(['docs/api.md', 'README.md']).toContain(b.file);
  });

  it.each(ofKind('fragment').map((b) => [b.where, b] as const))(
    '%s fragment: a JSON fragment still parses; an HTML-comment fragment says why',
    (_where, b) => {
      if (b.lang === 'json') expect(() => parseJsonFragment(b.text)).not.toThrow();
      if (b.fragmentComment !== undefined) expect(b.fragmentComment.length).toBeGreaterThan(10);
    },
  );

  it.each(ofKind('usage').map((b) => [b.where, b] as const))(
    '%s usage synopsis is exactly what `mail2ticket --help` prints',
    (_where, b) => {
      const r = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const help = r.stdout
        .split('\n')
        .filter((l) => /^\s+mail2ticket /.test(l))
        .map((l) => l.trim());
      expect(b.text.trim().split('\n')).toEqual(help);
    },
  );

  it.each(ofKind('output').map((b) => [b.where, b] as const))(
    '%s output sample matches a real replay of its source',
    (_where, b) => {
      const sample = JSON.parse(b.text) as { source: string };
      const r = spawnSync(process.execPath, [BIN, 'replay', '--dry-run', sample.source], {
        encoding: 'utf8',
        cwd: ROOT,
      });
      expect(r.status, r.stderr).toBe(0);
      const real = JSON.parse(r.stdout) as unknown;
      const mismatches: string[] = [];
      const missing: string[] = [];
      compareSample(sample, real, '', mismatches, missing);
      expect(mismatches).toEqual([]);
      // A dry run has neither; the README says which outcomes carry them.
      expect(missing.sort()).toEqual(['entityId', 'error']);
    },
  );
});

/** Compare a doc's sample with a real value: `"..."`-values and `"...": ...` members are elided. */
function compareSample(sample: unknown, real: unknown, path: string, out: string[], missing: string[]): void {
  if (typeof sample === 'string' && sample.includes('...')) return;
  if (Array.isArray(sample)) {
    if (!Array.isArray(real)) out.push(`${path}: not an array in the real output`);
    return;
  }
  if (sample !== null && typeof sample === 'object') {
    if (real === null || typeof real !== 'object') {
      out.push(`${path}: not an object in the real output`);
      return;
    }
    for (const [k, v] of Object.entries(sample)) {
      if (k === '...') continue;
      if (!(k in real)) missing.push(`${path}${k}`);
      else compareSample(v, (real as Record<string, unknown>)[k], `${path}${k}.`, out, missing);
    }
    return;
  }
  if (sample !== real) out.push(`${path}: doc ${JSON.stringify(sample)}, real ${JSON.stringify(real)}`);
}

/** The parts of a config file the test rewrites or reads. */
interface DocConfig {
  stateDir?: string;
  api?: { baseUrl: string; auth?: { tokenCommand?: string[] } };
  mapping?: { mailSorter?: string };
  mailboxes?: {
    name: string;
    folder?: string;
    quarantineFolder?: string;
    afterSuccess?: string;
    processedFolder?: string;
    host?: string;
    port?: number;
    tls?: { mode?: string; caFile?: string };
    mailSorter?: string;
  }[];
  daemon?: { http?: { port: number } };
}

type SandboxMessage = Record<string, unknown> & {
  MessageId?: string;
  DebugInfo?: string;
  MailSorter?: string;
};

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Started {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `MAILBOX/UIDVALIDITY-UID`, as `mail2ticket quarantine` names a quarantined mail. */
const QUARANTINE_ID = /^([^/\s]+)\/(\d+)-(\d+)$/;
/** Fixture mails (kind message, seeded in the sandbox) that stand for quarantined mail, in turn. */
/** Not 001: the README replays that one live, and a retry of it would be a `duplicate`. */
const QUARANTINE_FIXTURES = [
  '003-gmail-multipart-alternative.eml',
  '004-outlook-html-conditional-vml.eml',
  '005-html-only-web-form.eml',
  '006-apple-mail-related-inline-images.eml',
];

interface QuarantinedExample {
  id: string;
  mailbox: string;
  messageId: string;
  eml: string;
  /** The server folder the mail was moved to (a configured mailbox with a quarantineFolder). */
  folder?: string;
}

/** One document's examples: its config block and its shell lines, in one temp dir, in order. */
class DocSession {
  readonly dir = mkdtempSync(join(tmpdir(), 'm2t-doc-'));
  readonly env: Record<string, string> = {};
  readonly configBlock: DocBlock | undefined;
  readonly commands: ShellCommand[];
  /** The config block as written, parsed. */
  readonly raw: Record<string, unknown> | undefined;
  dovecot: Dovecot | undefined;
  appender: Appender | undefined;
  /** The sandbox origin and tenant the config now points at. */
  sandbox: { origin: string; apiUrl: string; started: Started; fromDoc: boolean } | undefined;
  readonly background: { where: string; started: Started }[] = [];
  readonly mail = testMail('doc-example');
  readonly mailId = '<mail-doc-example@test.example>';
  /** Which config-using lines applied mail with the config (a config block must be used). */
  readonly usedBy: string[] = [];
  /** The quarantined mail the document's `quarantine` lines name, while still quarantined. */
  readonly quarantined = new Map<string, QuarantinedExample>();

  constructor(readonly file: string) {
    const own = blocks.filter((b) => b.file === file);
    const configs = own.filter((b) => kinds.get(b) === 'config');
    if (configs.length > 1)
      throw new Error(`${file}: more than one config block, cannot tell which config.json is`);
    this.configBlock = configs[0];
    this.commands = own.filter((b) => kinds.get(b) === 'shell').flatMap(shellCommands);
    this.raw = this.configBlock ? (JSON.parse(this.configBlock.text) as Record<string, unknown>) : undefined;
  }

  get needsDovecot(): boolean {
    return Array.isArray(this.raw?.mailboxes) && this.raw.mailboxes.length > 0;
  }

  async setup(): Promise<void> {
    symlinkSync(join(ROOT, 'fixtures'), join(this.dir, 'fixtures'));
    writeFileSync(join(this.dir, 'mail.eml'), this.mail);
    const script = join(this.dir, 'so-token');
    writeFileSync(script, '#!/bin/sh\necho doc-example-token\n');
    chmodSync(script, 0o755);
    if (!this.raw) return;
    collectEnvSecrets(this.raw, this.env);
    if (this.needsDovecot) {
      const boxes = this.raw.mailboxes as { auth: { user: string; password: unknown } }[];
      this.dovecot = new Dovecot({
        tls: true,
        users: boxes.map((mb) => ({ user: mb.auth.user, password: this.secret(mb.auth.password) })),
      });
      await this.dovecot.start();
      this.appender = await new Appender(this.dovecot).connect();
      await this.appender.append(this.mail);
    }
    this.writeConfig();
    await this.prepareQuarantine();
  }

  get stateDir(): string {
    const dir = this.raw ? (this.config().stateDir ?? './state') : './state';
    return isAbsolute(dir) ? dir : resolve(this.dir, dir);
  }

  /** The records (and server copies) of the quarantine IDs the document's lines name. */
  private async prepareQuarantine(): Promise<void> {
    const ids = [
      ...new Set(
        this.commands
          .filter((c) => cliArgs(c)?.[0] === 'quarantine')
          .flatMap((c) => c.argv.filter((w) => QUARANTINE_ID.test(w))),
      ),
    ];
    // And one that no line names, so that `retry --all` has something of its own to retry.
    if (ids.length && this.commands.some((c) => c.argv.includes('--all'))) {
      const [, mailbox, uidValidity] = QUARANTINE_ID.exec(ids[0]!)!;
      const uids = ids.map((id) => Number(QUARANTINE_ID.exec(id)![3]));
      ids.push(`${mailbox}/${uidValidity}-${Math.max(...uids) + 1}`);
    }
    if (ids.length > QUARANTINE_FIXTURES.length)
      throw new Error(`${this.file}: more quarantine IDs than fixtures`);
    for (const [i, id] of ids.entries()) {
      const [, mailbox, uidValidity, uid] = QUARANTINE_ID.exec(id)!;
      const raw = readFileSync(join(ROOT, 'fixtures/mail', QUARANTINE_FIXTURES[i]!));
      const messageId = /^Message-I[dD]:\s*(<[^>]+>)/m.exec(raw.toString('latin1'))![1]!;
      const mb = this.raw ? this.config().mailboxes?.find((m) => m.name === mailbox) : undefined;
      const folder = mb?.quarantineFolder;
      if (folder) await this.imapAppend(raw, folder);
      const now = new Date().toISOString();
      const eml = writeQuarantine(
        this.stateDir,
        { kind: 'buffer', data: raw },
        {
          mailbox: mailbox!,
          folder: mb?.folder ?? 'INBOX',
          uid: Number(uid),
          uidValidity: uidValidity!,
          messageId,
          code: 'E_UNMATCHED',
          message: `no ticket message has the Message-Id ${messageId}`,
          attempts: 5,
          firstSeen: now,
          quarantinedAt: now,
          serverAction: folder ? `moved to ${folder}` : 'left in place',
        },
      );
      this.quarantined.set(id, { id, mailbox: mailbox!, messageId, eml, ...(folder ? { folder } : {}) });
    }
  }

  /** Put a mail in a folder of the test Dovecot (created when missing), as the daemon's move does. */
  private async imapAppend(raw: Buffer, folder: string): Promise<void> {
    const u = this.dovecot!.users[0]!;
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: this.dovecot!.port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: u.user, pass: u.password },
      logger: false,
    });
    await client.connect();
    try {
      await client.mailboxCreate(folder).catch(() => {});
      await client.append(folder, raw);
    } finally {
      await client.logout();
    }
  }

  private secret(ref: unknown): string {
    if (typeof ref === 'string') return ref;
    const env = (ref as { env?: string }).env;
    if (env !== undefined) return this.env[env]!;
    throw new Error(`${this.configBlock!.where}: a secret the test cannot provide: ${JSON.stringify(ref)}`);
  }

  /** config.json: the block as written, with only the substitutions of the table above. */
  writeConfig(): void {
    const c = structuredClone(this.raw!) as DocConfig;
    if (typeof c.stateDir === 'string' && c.stateDir.startsWith('/')) c.stateDir = join(this.dir, 'state');
    if (c.api) {
      if (this.sandbox) {
        const u = new URL(c.api.baseUrl);
        // The origin only: the path is the doc's, exactly (a wrong one is a 404 in the sandbox).
        c.api.baseUrl = this.sandbox.origin + c.api.baseUrl.slice(u.origin.length);
      }
      if (Array.isArray(c.api.auth?.tokenCommand)) c.api.auth.tokenCommand = [join(this.dir, 'so-token')];
    }
    for (const mb of c.mailboxes ?? []) {
      const mode = mb.tls?.mode ?? 'implicit';
      mb.host = '127.0.0.1';
      mb.port = mode === 'implicit' ? this.dovecot!.tlsPort : this.dovecot!.port;
      if (mode !== 'none') mb.tls = { ...mb.tls, caFile: this.dovecot!.caFile };
    }
    if (c.daemon?.http) c.daemon.http.port = 0;
    writeFileSync(join(this.dir, 'config.json'), JSON.stringify(c, null, 2));
  }

  config(): DocConfig {
    return JSON.parse(readFileSync(join(this.dir, 'config.json'), 'utf8')) as DocConfig;
  }

  start(argv: string[], extraEnv: Record<string, string> = {}): Started {
    const proc = spawn(process.execPath, [BIN, ...argv], {
      cwd: this.dir,
      env: { ...process.env, ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    return { proc, stdout: () => out, stderr: () => err, exit };
  }

  async cli(argv: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
    const s = this.start(argv, extraEnv);
    const code = await s.exit;
    // 'exit' can come before the pipes are drained.
    await new Promise((r) => setImmediate(r));
    return { code, stdout: s.stdout(), stderr: s.stderr() };
  }

  /** Start `mail2ticket sandbox ARGS` and wait for the URL it prints. */
  async startSandbox(argv: string[], where: string, fromDoc: boolean): Promise<void> {
    const started = this.start(argv);
    await Promise.race([
      waitFor(() => started.stdout().includes('\n'), `${where}: the sandbox's URL on stdout`, 60_000),
      started.exit.then((code) => {
        throw new Error(`${where}: the sandbox exited ${code}: ${started.stderr()}`);
      }),
    ]);
    const apiUrl = started.stdout().split('\n')[0]!;
    this.background.push({ where, started });
    this.sandbox = { origin: new URL(apiUrl).origin, apiUrl, started, fromDoc };
    if (this.raw) this.writeConfig();
  }

  /** The sandbox the config points at: the doc's own, or one started like the doc would. */
  async ensureSandbox(): Promise<void> {
    if (this.sandbox) return;
    const api = this.raw?.api as { baseUrl: string } | undefined;
    if (!api) throw new Error(`${this.file}: a live command but no api section to point at a sandbox`);
    const first = new URL(api.baseUrl).pathname.split('/').filter(Boolean)[0];
    const tenant = first && first.toLowerCase() !== 'api' ? ['--tenant', first] : [];
    await this.startSandbox(
      [
        'sandbox',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        ...tenant,
        '--config',
        'config.json',
        '--seed',
        'fixtures/mail',
        'mail.eml',
      ],
      `${this.file} (sandbox started by the test)`,
      false,
    );
  }

  async sandboxState(): Promise<{ messages: SandboxMessage[]; counters: { requests: number } }> {
    const r = await fetch(`${this.sandbox!.origin}/sandbox/state`);
    return (await r.json()) as { messages: SandboxMessage[]; counters: { requests: number } };
  }

  async stopBackground(): Promise<void> {
    for (const b of this.background.reverse()) {
      if (b.started.proc.exitCode !== null) continue;
      b.started.proc.kill('SIGTERM');
      const code = await b.started.exit;
      expect(code, `${b.where}: exit status after SIGTERM`).toBe(0);
    }
  }

  async close(): Promise<void> {
    for (const b of this.background) if (b.started.proc.exitCode === null) b.started.proc.kill('SIGKILL');
    await this.appender?.close();
    await this.dovecot?.destroy();
  }
}

/** Set every `{ "env": NAME }` secret of the config to a test value. */
function collectEnvSecrets(v: unknown, env: Record<string, string>): void {
  if (Array.isArray(v)) for (const x of v) collectEnvSecrets(x, env);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && typeof o.env === 'string') env[o.env] = `doc-test-${o.env.toLowerCase()}`;
    else for (const x of Object.values(o)) collectEnvSecrets(x, env);
  }
}

/** The CLI arguments of a documented command line, with the table's substitutions. */
function cliArgs(cmd: ShellCommand): string[] | undefined {
  const a = cmd.argv;
  let rest: string[] | undefined;
  if (a[0] === 'mail2ticket') rest = a.slice(1);
  else if (a[0] === 'npx' && a[1] === 'mail2ticket') rest = a.slice(2);
  else if (a[0] === 'node' && a[1] === 'bin/mail2ticket.js') rest = a.slice(2);
  if (!rest) return undefined;
  return rest.map((w, i) => {
    if (rest![i - 1] === '--port') return '0';
    if (w === '/etc/mail2ticket/config.json') return 'config.json';
    return w;
  });
}

/** Run one documented line and check what the doc says it does. */
async function runLine(s: DocSession, cmd: ShellCommand): Promise<void> {
  const ctx = `${cmd.where}: ${cmd.text}`;
  const args = cliArgs(cmd);
  if (!args) {
    if (cmd.argv.join(' ') === 'npm start') {
      const r = spawnSync('npm', ['start'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
      expect(r.status, `${ctx}\n${r.stderr}`).toBe(0);
      const m = /(\d+) mails: (.*)/.exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      expect(m![2]).toMatch(/updated [1-9]/);
      expect(m![2]).toContain('quarantined 0');
      return;
    }
    throw new Error(`${ctx}: no runner for this line (add one, or mark the block as a fragment)`);
  }
  const [sub, ...rest] = args;
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i < 0 ? undefined : rest[i + 1];
  };

  if (sub === '--version') {
    const r = await s.cli(args);
    expect([r.code, r.stdout], ctx).toEqual([0, `${VERSION}\n`]);
    return;
  }
  if (sub === '--help') {
    const r = await s.cli(args);
    expect(r.code, ctx).toBe(0);
    expect(r.stdout).toMatch(/^mail2ticket: /);
    for (const b of ofKind('usage')) for (const l of b.text.trim().split('\n')) expect(r.stdout).toContain(l);
    return;
  }
  if (sub === 'sandbox') {
    expect(cmd.background, `${ctx}: a sandbox line must end with & (it runs until stopped)`).toBe(true);
    await s.startSandbox(args, cmd.where, true);
    const u = new URL(s.sandbox!.apiUrl);
    const tenant = flag('--tenant');
    expect(u.pathname, ctx).toBe(tenant ? `/${tenant}/api` : '/api');
    if (flag('--host')) expect(u.hostname).toBe(flag('--host'));
    return;
  }
  if (sub === 'replay') {
    const dryRun = rest.includes('--dry-run');
    const configFile = flag('--config');
    const hasApi = configFile !== undefined && s.config().api !== undefined;
    if (!dryRun && hasApi) await s.ensureSandbox();
    const r = await s.cli(args);
    if (!dryRun && !hasApi) {
      expect([r.code, r.stdout, r.stderr], ctx).toEqual([2, '', NO_API_ERROR]);
      return;
    }
    expect(r.code, `${ctx}\n${r.stderr}`).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { outcome: string; payload: Record<string, unknown> });
    expect(lines.length, ctx).toBeGreaterThan(0);
    if (dryRun) {
      expect(lines.map((l) => l.outcome)).toEqual(lines.map(() => 'dry-run'));
      return;
    }
    expect(lines.map((l) => l.outcome)).toEqual(lines.map(() => 'updated'));
    const state = await s.sandboxState();
    for (const l of lines) {
      const m = state.messages.find((x) => x.MessageId === l.payload.MessageId);
      expect(m?.DebugInfo, `${ctx}: the sandbox's copy of ${l.payload.MessageId}`).toBe(l.payload.DebugInfo);
      expect(m?.MailSorter).toBe(l.payload.MailSorter);
    }
    s.usedBy.push(cmd.where);
    return;
  }
  if (sub === 'config' && rest[0] === 'check') {
    const file = rest.at(-1)!;
    const connect = !rest.includes('--no-connect');
    // Without --no-connect, config check also probes the API: it must find the sandbox there.
    if (connect && s.config().api) await s.ensureSandbox();
    const r = await s.cli(args);
    const n = (s.config().mailboxes ?? []).length;
    expect(r.code, `${ctx}\n${r.stdout}`).toBe(0);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`${file}: ok (${n} mailboxes)`);
    if (connect) {
      const oks = r.stdout.split('\n').filter((l) => l.startsWith('ok: mailboxes.'));
      expect(oks.length, r.stdout).toBe(n);
      if (s.config().api) expect(r.stdout, `${ctx}: the API probe`).toMatch(/^ok: api /m);
    }
    return;
  }
  if (sub === 'run') {
    await s.ensureSandbox();
    expect(s.appender, `${ctx}: run needs a config with mailboxes`).toBeDefined();
    const daemon = s.start(args);
    const seen = async () => {
      // A deferred or quarantined mail will not be \Seen: fail at once, with the daemon's reason.
      const bad = daemon
        .stderr()
        .split('\n')
        .find((l) => /"msg":"mail (deferred|quarantined)/.test(l));
      if (bad) throw new Error(`${ctx}: ${bad}`);
      return (await s.appender!.flags()).get(s.mailId)?.has('\\Seen') ?? false;
    };
    try {
      await Promise.race([
        waitFor(seen, `${ctx}: the mail in INBOX to be \\Seen`),
        daemon.exit.then((code) => {
          throw new Error(`${ctx}: exited ${code}: ${daemon.stderr()}`);
        }),
      ]);
    } catch (err) {
      daemon.proc.kill('SIGKILL');
      throw err;
    }
    const state = await s.sandboxState();
    const m = state.messages.find((x) => x.MessageId === s.mailId);
    const config = s.config();
    expect(m?.DebugInfo, ctx).toMatch(/^mail2ticket: message/);
    expect(m?.MailSorter).toBe(
      config.mailboxes?.[0]?.mailSorter ?? config.mapping?.mailSorter ?? 'mail2ticket',
    );
    daemon.proc.kill('SIGTERM');
    expect(await daemon.exit, `${ctx}: exit status after SIGTERM\n${daemon.stderr()}`).toBe(0);
    // Logs: JSON lines on stderr, at the level asked for.
    const logs = daemon
      .stderr()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logs.length).toBeGreaterThan(0);
    const level = flag('--log-level');
    if (level === 'debug')
      expect(
        logs.some((l) => l.level === 20),
        'a debug line',
      ).toBe(true);
    expect(logs.some((l) => l.msg === 'stopping: finishing mail in flight')).toBe(true);
    for (const secret of Object.values(s.env)) expect(daemon.stderr()).not.toContain(secret);
    s.usedBy.push(cmd.where);
    return;
  }
  if (sub === 'preview') {
    await runPreview(s, cmd, rest);
    return;
  }
  if (sub === 'quarantine') {
    await runQuarantine(s, cmd, args);
    return;
  }
  if (sub === 'status') {
    await runStatus(s, cmd, args);
    return;
  }
  throw new Error(`${ctx}: no runner for "mail2ticket ${sub}" (add one, or mark the block as a fragment)`);
}

/** The words of `rest` that are not an option or an option's value. */
function positionals(rest: string[], withValue: string[]): string[] {
  return rest.filter((w, i) => !w.startsWith('-') && !withValue.includes(rest[i - 1] ?? ''));
}

/**
 * `preview`: the report is written where --out says and its path printed; it holds every mail a
 * dry-run replay of the same paths yields; a stateDir that did not exist still does not.
 */
async function runPreview(s: DocSession, cmd: ShellCommand, rest: string[]): Promise<void> {
  const ctx = `${cmd.where}: ${cmd.text}`;
  const out = resolve(s.dir, rest[rest.indexOf('--out') + 1] ?? 'preview.html');
  const paths = positionals(rest, ['--config', '--out', '-c', '-o']);
  const hadState = existsSync(s.stateDir);
  const r = await s.cli(['preview', ...rest]);
  expect(r.code, `${ctx}\n${r.stderr}`).toBe(0);
  expect(r.stdout, ctx).toBe(`${out}\n`);
  expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/i);
  const replay = await s.cli(['replay', '--dry-run', ...paths]);
  const n = replay.stdout.trim().split('\n').length;
  // Every mail is in the report (`dry-run` or, once a live replay recorded it, `duplicate`).
  expect(r.stderr, ctx).toMatch(new RegExp(`^${n} mails?: `, 'm'));
  if (!hadState) expect(existsSync(s.stateDir), `${ctx}: preview never writes state`).toBe(false);
}

/** `quarantine list|show|retry|drop`, checked against the records the session made (see top). */
async function runQuarantine(s: DocSession, cmd: ShellCommand, args: string[]): Promise<void> {
  const ctx = `${cmd.where}: ${cmd.text}`;
  const action = args[1];
  const ids = args.filter((w) => QUARANTINE_ID.test(w));
  for (const id of ids)
    expect(s.quarantined.has(id), `${ctx}: ${id} is quarantined at this point`).toBe(true);
  if (action === 'retry') await s.ensureSandbox();
  const before = [...s.quarantined.values()];
  const r = await s.cli(args);
  const lines = r.stdout.trim().split('\n');
  if (action === 'list') {
    expect(r.code, `${ctx}\n${r.stderr}`).toBe(0);
    expect(
      lines
        .slice(0, -1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
      ctx,
    ).toEqual(before.map((q) => q.id).sort());
    expect(lines.at(-1)).toBe(before.length ? `${before.length} quarantined` : 'nothing quarantined');
    return;
  }
  if (action === 'show') {
    const q = s.quarantined.get(ids[0]!)!;
    expect(r.code, `${ctx}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^id:\\s+${q.id}$`, 'm'));
    expect(lines).toContain(`message-id:    ${q.messageId}`);
    const raw = lines
      .find((l) => l.startsWith('raw mail:'))
      ?.slice('raw mail:'.length)
      .trim();
    expect(raw && resolve(s.dir, raw), ctx).toBe(q.eml);
    return;
  }
  if (action === 'drop') {
    const q = s.quarantined.get(ids[0]!)!;
    if (!args.includes('--yes')) {
      // Not on a terminal (as here), drop refuses without --yes rather than wait for an answer.
      expect([r.code, existsSync(q.eml)], ctx).toEqual([2, true]);
      return;
    }
    expect([r.code, r.stdout], `${ctx}\n${r.stderr}`).toEqual([0, `dropped ${q.id}\n`]);
    expect(existsSync(q.eml)).toBe(false);
    s.quarantined.delete(q.id);
    return;
  }
  expect(action, ctx).toBe('retry');
  const targets = args.includes('--all') ? before : ids.map((id) => s.quarantined.get(id)!);
  expect(r.code, `${ctx}\n${r.stdout}${r.stderr}`).toBe(0);
  const config = s.config();
  const state = await s.sandboxState();
  for (const q of targets) {
    const mb = config.mailboxes?.find((m) => m.name === q.mailbox);
    const server = !mb
      ? `mailbox "${q.mailbox}" is not in the config: nothing done on the server`
      : mb.afterSuccess === 'move'
        ? `moved to ${mb.processedFolder}`
        : `flagged \\Seen in ${q.folder ?? mb.folder ?? 'INBOX'}`;
    expect(lines, `${ctx}\n${r.stdout}`).toContain(`${q.id}: updated; removed from quarantine; ${server}`);
    expect(existsSync(q.eml)).toBe(false);
    const m = state.messages.find((x) => x.MessageId === q.messageId);
    expect(m?.DebugInfo, `${ctx}: the sandbox's copy of ${q.messageId}`).toMatch(/^mail2ticket: message/);
    if (mb && q.folder && mb.afterSuccess !== 'move') {
      expect((await s.appender!.flags(q.folder)).get(q.messageId)?.has('\\Seen'), `${ctx}: \\Seen`).toBe(
        true,
      );
    }
    s.quarantined.delete(q.id);
  }
  s.usedBy.push(cmd.where);
}

/**
 * `status` (and `--json`): the API (the sandbox) and each mailbox's server (Dovecot) answer; exit 1
 * exactly while a configured mailbox has quarantined mail, else 0.
 */
async function runStatus(s: DocSession, cmd: ShellCommand, args: string[]): Promise<void> {
  const ctx = `${cmd.where}: ${cmd.text}`;
  if (s.config().api) await s.ensureSandbox();
  const r = await s.cli(args);
  const names = (s.config().mailboxes ?? []).map((m) => m.name);
  const quarantinedIn = (name: string) =>
    [...s.quarantined.values()].filter((q) => q.mailbox === name).length;
  const ok = names.every((n) => quarantinedIn(n) === 0);
  expect(r.code, `${ctx}\n${r.stdout}${r.stderr}`).toBe(ok ? 0 : 1);
  if (!args.includes('--json')) {
    expect(r.stdout).toMatch(/^api: ok: /m);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(ok ? 'all well' : 'needs attention');
    return;
  }
  const report = JSON.parse(r.stdout) as {
    ok: boolean;
    api: { ok: boolean } | null;
    mailboxes: { name: string; quarantined: number; imap: { ok: boolean; detail: string } }[];
  };
  expect(report.ok).toBe(ok);
  expect(report.api?.ok).toBe(true);
  expect(report.mailboxes.map((m) => m.name)).toEqual(names);
  for (const m of report.mailboxes) {
    expect({ name: m.name, imap: m.imap.ok, quarantined: m.quarantined }).toEqual({
      name: m.name,
      imap: true,
      quarantined: quarantinedIn(m.name),
    });
  }
}

const docs = [
  ...new Set(
    ofKind('config')
      .concat(ofKind('shell'))
      .map((b) => b.file),
  ),
];

for (const file of docs) {
  const session = new DocSession(file);
  const skip = session.needsDovecot && !realPartsAvailable(import.meta.url, DOVECOT_PART, OPENSSL_PART);
  describe.skipIf(skip)(`${file}: its examples run as written (built CLI, sandbox, Dovecot)`, () => {
    beforeAll(async () => {
      await session.setup();
    }, 120_000);
    afterAll(async () => {
      await session.close();
    });

    if (session.configBlock) {
      const b = session.configBlock;
      it(`${b.where} config block: the config loader accepts it as written`, () => {
        expect(() => parseConfig(session.raw, b.where)).not.toThrow();
      });
    }

    for (const cmd of session.commands) {
      const notRun = NOT_RUN.find(([re]) => re.test(cmd.argv.join(' ')));
      if (notRun) {
        it.skip(`${cmd.where} ${cmd.text} (not run: ${notRun[1]})`, () => {});
        continue;
      }
      it(`${cmd.where} ${cmd.text}`, { timeout: 240_000 }, async () => {
        await runLine(session, cmd);
      });
    }

    it(`${file}: background commands stop on SIGTERM with exit 0`, async () => {
      await session.stopBackground();
    });

    if (session.configBlock) {
      const b = session.configBlock;
      it(`${b.where} config block: was used by a command of the document that applied mail`, () => {
        expect(session.usedBy, `no live replay or run line of ${file} used ${b.where}`).not.toEqual([]);
      });
    }
  });
}
