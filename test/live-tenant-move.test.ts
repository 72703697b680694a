import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLiveContext } from '../src/commands/live-context.js';
import { replay } from '../src/commands/replay.js';
import { parseConfig } from '../src/config.js';
import type { MailResult } from '../src/pipeline.js';
import { sandboxApiAuth } from '../src/sandbox/auth.js';
import { type Sandbox, startSandbox } from '../src/sandbox/server.js';
import { testMail } from './helpers/imap-fixtures.js';

/**
 * Issue 13 §2: SuperOffice Online moves tenants between hosts (sod2 -> sod3). Two "hosts" stand in
 * front of one sandbox (the tenant's data moves with it); the state service (the sandbox's
 * `/api/state/{tenant}`) names the first. Part-way through a live replay with 8 mails in flight the
 * tenant moves: the state service names the second host, and the first answers the way an old host
 * might (undocumented, so each plausible way). The client must ask the state service again and go on
 * there: every mail updated exactly once, none quarantined, none held, the run not stopped.
 */

const MAILS = 40;
/** API requests the first host serves before the move. */
const BEFORE_MOVE = 30;

type OldHost = 'redirect' | '503' | '404' | 'refused';

interface Host {
  url: string;
  served: number;
  /** Requests it answered with its "moved away" behaviour. */
  turnedAway: number;
  mode: 'forward' | OldHost;
  server: Server;
  /** Serve this many requests, then move the tenant away from here (the state service first). */
  moveAfter?: { requests: number; to: OldHost; move: () => void };
}

async function host(target: string, newHost: () => string): Promise<Host> {
  const t = new URL(target);
  const h = { url: '', served: 0, turnedAway: 0, mode: 'forward', server: undefined } as unknown as Host;
  h.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (h.moveAfter && h.mode === 'forward' && h.served >= h.moveAfter.requests) {
      h.moveAfter.move();
      h.mode = h.moveAfter.to;
      if (h.mode === 'refused') {
        h.server.close();
        h.server.closeAllConnections();
        return;
      }
    }
    if (h.mode !== 'forward') {
      h.turnedAway++;
      req.resume();
      if (h.mode === 'redirect') {
        res.writeHead(307, { location: `${newHost()}${req.url}` }).end();
      } else if (h.mode === '503') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"Error":true,"ErrorType":"SoNotFoundException","ErrorMessage":"Unknown tenant"}');
      }
      return;
    }
    h.served++;
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
  await new Promise<void>((r) => h.server.listen(0, '127.0.0.1', () => r()));
  h.url = `http://127.0.0.1:${(h.server.address() as AddressInfo).port}`;
  return h;
}

let dir: string;
let sandbox: Sandbox;
let hosts: Host[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-move-'));
  const mailDir = join(dir, 'mail');
  mkdirSync(mailDir);
  for (let n = 1; n <= MAILS; n++) writeFileSync(join(mailDir, `${n}.eml`), testMail(`move-${n}`));
  sandbox = await startSandbox({ seed: [mailDir], tenant: 'Cust12345', faults: { latencyMs: 5 } });
  hosts = [];
  hosts.push(await host(sandbox.url, () => hosts[1]!.url));
  hosts.push(await host(sandbox.url, () => hosts[1]!.url));
  sandbox.setTenantEndpoint(`${hosts[0]!.url}/Cust12345`);
});

afterEach(async () => {
  await sandbox.close();
  for (const h of hosts) {
    h.server.closeAllConnections();
    await new Promise((r) => h.server.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

const sink = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

describe('a tenant moved to another host during a live replay', () => {
  for (const oldHost of ['redirect', '503', '404', 'refused'] as const) {
    it(`old host ${oldHost === 'refused' ? 'refusing connections' : `answering ${oldHost}`}: re-resolved, every mail updated once`, async () => {
      const [a, b] = hosts as [Host, Host];
      // The move happens between two requests, with others in flight: from then on the state
      // service names the second host and the first turns requests away.
      a.moveAfter = {
        requests: BEFORE_MOVE,
        to: oldHost,
        move: () => sandbox.setTenantEndpoint(`${b.url}/Cust12345`),
      };
      const config = parseConfig({
        stateDir: join(dir, 'state'),
        api: {
          tenant: 'Cust12345',
          stateUrl: sandbox.url,
          auth: sandboxApiAuth(),
          concurrency: 8,
          retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 10, maxTotalMs: 60_000 },
        },
      });
      const ctx = await buildLiveContext(config);
      const results: MailResult[] = [];
      let summary: Awaited<ReturnType<typeof replay>>;
      try {
        summary = await replay(
          [join(dir, 'mail')],
          ctx.pipeline,
          undefined,
          { stdout: sink(), stderr: sink() },
          { onResult: (r) => results.push(r) },
        );
      } finally {
        await ctx.close();
      }
      expect(summary).toBeDefined();
      // Both hosts did real work: the move happened mid-run and was followed.
      expect(a.served).toBeGreaterThanOrEqual(BEFORE_MOVE);
      expect(b.served).toBeGreaterThan(0);
      if (oldHost !== 'refused') expect(a.turnedAway).toBeGreaterThan(0);
      // Every mail updated, none quarantined, deferred or held.
      expect(results).toHaveLength(MAILS);
      expect(
        results.filter((r) => r.outcome !== 'updated').map((r) => `${r.outcome} ${r.error?.message}`),
      ).toEqual([]);
      // Exactly once: one message per Message-Id at the sandbox, none created.
      const state = sandbox.state();
      expect(state.messages).toHaveLength(MAILS);
      expect(state.counters.posts).toBe(0);
      const ids = state.messages.map((m) => m.MessageId);
      expect(new Set(ids).size).toBe(MAILS);
      expect(state.counters.puts).toBeGreaterThanOrEqual(MAILS);
    }, 60_000);
  }
});
