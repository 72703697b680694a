import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Never hang, always say why: each start-up failure ends the process with a non-zero status and
 * one line that says what to do, before anything listens or connects. spawnSync returns only once
 * the process has exited; a hang would hit the timeout (status null, signal SIGTERM).
 */

const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const MAIL = new URL('../fixtures/mail/001-plain-text-lf.eml', import.meta.url).pathname;

/**
 * The CLI in a session of its own (`setsid` execs it: its pid is the session's and process group's
 * id), so that after it exits the test can tell whether anything it started is still running.
 */
function cli(args: string[], nodeArgs: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync('/usr/bin/setsid', [process.execPath, ...nodeArgs, BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, group: r.pid };
}

/** True while any process of the group runs (signal 0 only checks; ESRCH: none left). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Exactly one line on stderr, the process ended by itself, and nothing it started runs on. */
function expectOneLine(r: ReturnType<typeof cli>, code: number, line: RegExp) {
  expect(r.signal, 'the process hung').toBeNull();
  expect(groupAlive(r.group), 'a process it started is still running').toBe(false);
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(line);
}

describe('start-up failures: one line, non-zero exit, nothing left running', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm2t-startup-'));
  let holder: Server;
  let heldPort = 0;
  const config = (name: string, body: Record<string, unknown>) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      JSON.stringify({
        stateDir: join(dir, 'state'),
        api: { baseUrl: 'http://127.0.0.1:9/api', auth: { scheme: 'basic', user: 'u', password: 'p' } },
        mailboxes: [
          {
            name: 'm',
            host: '127.0.0.1',
            port: 9,
            tls: { mode: 'none' },
            auth: { type: 'password', user: 'u', password: 'imap-password-not-shown' },
          },
        ],
        ...body,
      }),
    );
    return path;
  };

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    heldPort = (holder.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => holder.close(() => r()));
  });

  it('native module built for another Node.js: "run `npm rebuild`" (npm start and run alike)', () => {
    // Node's own error for a module built for another ABI, raised when better-sqlite3 loads.
    const preload = join(dir, 'other-abi.mjs');
    writeFileSync(
      preload,
      `process.dlopen = (m, f) => { const e = new Error("The module '" + f + "'\\nwas compiled against a different Node.js version using\\nNODE_MODULE_VERSION 115. This version of Node.js requires\\nNODE_MODULE_VERSION " + process.versions.modules + "."); e.code = 'ERR_DLOPEN_FAILED'; throw e; };\n`,
    );
    const line =
      /^mail2ticket: the native SQLite module \(better-sqlite3\) was built for another Node\.js version than this one \(v[\d.]+\): run `npm rebuild`\n$/;
    expectOneLine(cli(['demo'], ['--import', preload]), 1, line);
    expectOneLine(cli(['replay', '--dry-run', MAIL], ['--import', preload]), 1, line);
    expectOneLine(cli(['run', '--config', config('abi.json', {})], ['--import', preload]), 1, line);
  });

  it('unwritable stateDir', () => {
    writeFileSync(join(dir, 'a-file'), '');
    const r = cli(['run', '--config', config('state.json', { stateDir: join(dir, 'a-file', 'state') })]);
    expectOneLine(
      r,
      1,
      /^mail2ticket run: stateDir .*a-file\/state is not writable \(ENOTDIR\): fix its permissions or set "stateDir" to a writable directory\n$/,
    );
  });

  it('port in use', () => {
    const r = cli(['run', '--config', config('port.json', { daemon: { http: { port: heldPort } } })]);
    expectOneLine(
      r,
      1,
      new RegExp(
        `^mail2ticket run: daemon\\.http\\.port: 127\\.0\\.0\\.1:${heldPort} is already in use .*: stop that process or choose another port\\n$`,
      ),
    );
    const s = cli(['sandbox', '--port', String(heldPort)]);
    expectOneLine(
      s,
      1,
      new RegExp(`^mail2ticket sandbox: cannot listen on 127\\.0\\.0\\.1:${heldPort}: EADDRINUSE\\n$`),
    );
  });

  it('unreadable config', () => {
    mkdirSync(join(dir, 'a-dir.json'), { recursive: true });
    expectOneLine(
      cli(['run', '--config', join(dir, 'a-dir.json')]),
      2,
      /^mail2ticket run: cannot read config file .*a-dir\.json: EISDIR\n$/,
    );
    expectOneLine(
      cli(['run', '--config', join(dir, 'missing.json')]),
      2,
      /^mail2ticket run: cannot read config file .*missing\.json: ENOENT\n$/,
    );
    writeFileSync(join(dir, 'broken.json'), '{');
    expectOneLine(
      cli(['replay', '--config', join(dir, 'broken.json'), MAIL]),
      2,
      /^mail2ticket: config file .*broken\.json is not valid JSON/,
    );
  });

  it('missing secret file or environment variable', () => {
    const file = cli([
      'run',
      '--config',
      config('secret-file.json', {
        mailboxes: [
          {
            name: 'm',
            host: '127.0.0.1',
            port: 9,
            tls: { mode: 'none' },
            auth: { type: 'password', user: 'u', password: { file: join(dir, 'no-such-secret') } },
          },
        ],
      }),
    ]);
    expectOneLine(
      file,
      1,
      /^mail2ticket run: mailboxes\.0\.auth\.password: cannot read secret file .*no-such-secret: ENOENT\n$/,
    );
    const env = cli(
      [
        'run',
        '--config',
        config('secret-env.json', {
          api: {
            baseUrl: 'http://127.0.0.1:9/api',
            auth: { scheme: 'basic', user: 'u', password: { env: 'M2T_TEST_UNSET_SECRET' } },
          },
        }),
      ],
      [],
      { M2T_TEST_UNSET_SECRET: '' },
    );
    expectOneLine(
      env,
      1,
      /^mail2ticket run: api\.auth\.password: environment variable M2T_TEST_UNSET_SECRET is not set or empty\n$/,
    );
    expect(file.stderr + env.stderr).not.toContain('imap-password-not-shown');
  });
});
