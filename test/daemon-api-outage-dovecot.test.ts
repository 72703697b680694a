import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { Dovecot, dovecotAvailable } from './helpers/dovecot.js';
import { Appender, testMail } from './helpers/imap-fixtures.js';

/**
 * Issue 13 "Done when": the built daemon against a real Dovecot, with the API answering 404 on
 * every route (a wrong URL, or a proxy in front of SuperOffice that lost its route): every mail
 * stays unread in INBOX, the quarantine folder stays empty, /healthz turns unhealthy with the reason;
 * when the API comes back the daemon resumes by itself and every mail is done.
 */
const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const available = dovecotAvailable(import.meta.url);
const MAILS = 12;

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** In front of the sandbox: `down` answers 404 to everything, as a wrong URL does. */
async function apiSwitch(target: string): Promise<{ url: string; down: boolean; server: Server }> {
  const t = new URL(target);
  const sw = { url: '', down: true, server: undefined as unknown as Server };
  sw.server = createServer((req, res) => {
    if (sw.down) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"Error":true,"ErrorType":"SoNotFoundException","ErrorMessage":"Route not found"}');
      return;
    }
    const up = request(
      { host: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => sw.server.listen(0, '127.0.0.1', () => r()));
  sw.url = `http://127.0.0.1:${(sw.server.address() as AddressInfo).port}`;
  return sw;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(!available)('daemon with the API answering 404 on every route (Dovecot + built CLI)', () => {
  let dovecot: Dovecot;
  let sandbox: Sandbox;
  let sw: Awaited<ReturnType<typeof apiSwitch>>;
  let appender: Appender;
  let daemon: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  const dir = mkdtempSync(join(tmpdir(), 'm2t-outage-dovecot-'));

  beforeAll(async () => {
    dovecot = new Dovecot({ users: [{ user: 'desk', password: 'desk-pw-4711' }] });
    await dovecot.start();
    const seedDir = join(dir, 'seed');
    mkdirSync(seedDir);
    for (let n = 1; n <= MAILS; n++) writeFileSync(join(seedDir, `${n}.eml`), testMail(`outage-${n}`));
    sandbox = await startSandbox({ seed: [seedDir], tenant: 'Cust12345' });
    sw = await apiSwitch(sandbox.url);
    appender = await new Appender(dovecot).connect();
    for (let n = 1; n <= MAILS; n++) await appender.append(testMail(`outage-${n}`));
  });

  afterAll(async () => {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    await appender?.close();
    await sandbox?.close();
    sw?.server.close();
    await dovecot?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = Array.from({ length: MAILS }, (_, i) => `<mail-outage-${i + 1}@test.example>`);
  const folderFlags = (folder: string) => appender.flags(folder).catch(() => new Map<string, Set<string>>());

  it('holds every mail unread in INBOX, quarantines none, reports it, and recovers by itself', async () => {
    const port = await freePort();
    const config = {
      stateDir: join(dir, 'state'),
      api: {
        baseUrl: `${sw.url}/Cust12345/api`,
        auth: sandboxApiAuth(),
        retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 },
      },
      mailboxes: [
        {
          name: 'desk',
          host: '127.0.0.1',
          port: dovecot.port,
          tls: { mode: 'none' },
          auth: { type: 'password', user: 'desk', password: 'desk-pw-4711' },
          quarantineFolder: 'Quarantine',
        },
      ],
      // maxAttempts 2 and a 1 s age limit: an outage counted against the mail would quarantine it.
      daemon: {
        http: { port },
        maxAttempts: 2,
        maxDeferredAgeMs: 1000,
        deferredRetryScheduleMs: [100],
        recheckIntervalMs: 2000,
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      },
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    daemon = spawn(process.execPath, [BIN, 'run', '--config', join(dir, 'config.json')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    daemon.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    daemon.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const healthz = async () => {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        return { status: r.status, body: (await r.json()) as Record<string, unknown> };
      } catch {
        return undefined;
      }
    };

    await waitFor(async () => (await healthz())?.body.status === 'api-fault', '/healthz api-fault', 60_000);
    const h = (await healthz())!;
    expect(h.status).toBe(503);
    expect(h.body).toMatchObject({ status: 'api-fault', api: { state: 'fault', setting: 'api.baseUrl' } });
    expect(String((h.body.api as { reason: string }).reason)).toContain('404');
    // Let the daemon probe through several backoff rounds (well past maxAttempts and the age limit).
    await new Promise((r) => setTimeout(r, 4000));
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('mail2ticket_api_up 0');
    expect(metrics).toMatch(/mail2ticket_api_faults_total\{setting="api.baseUrl"\} 1/);

    const inbox = await folderFlags('INBOX');
    expect(ids.filter((id) => !inbox.has(id))).toEqual([]);
    expect(ids.filter((id) => inbox.get(id)?.has('\\Seen'))).toEqual([]);
    expect((await folderFlags('Quarantine')).size).toBe(0);
    const qdir = join(config.stateDir, 'quarantine', 'desk');
    expect(existsSync(qdir) ? readdirSync(qdir) : []).toEqual([]);
    expect(sandbox.state().counters.puts).toBe(0);

    // The API comes back: the daemon notices by itself and works through the inbox.
    sw.down = false;
    await waitFor(
      async () => {
        const f = await folderFlags('INBOX');
        return ids.every((id) => f.get(id)?.has('\\Seen'));
      },
      'every mail done after the API came back',
      60_000,
    );
    expect((await healthz())?.status).toBe(200);
    expect((await folderFlags('Quarantine')).size).toBe(0);
    expect(sandbox.state().counters.puts).toBe(MAILS);
    // Logged once per change of state, not per mail.
    const logLines = `${stdout}\n${stderr}`.split('\n');
    expect(logLines.filter((l) => l.includes('API at fault')).length).toBe(1);
    expect(logLines.filter((l) => l.includes('API answers again')).length).toBe(1);
    // Not one warning per mail either (the client's retry warnings aside).
    expect(
      logLines.filter((l) => l.includes('"mail deferred') || l.includes('"mail quarantined')).length,
    ).toBe(0);

    daemon.kill('SIGTERM');
    await new Promise((r) => daemon!.once('exit', r));
    expect(daemon.exitCode).toBe(0);
  }, 180_000);
});
