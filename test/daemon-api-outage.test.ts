import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import { ApiGate } from '../src/api/gate.js';
import { startHealthServer } from '../src/daemon/http.js';
import { type LoopSettings, newHealth, runMailbox } from '../src/daemon/loop.js';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { DaemonMetrics } from '../src/daemon/metrics.js';
import type { ProcessMail, ProcessResult } from '../src/daemon/types.js';
import { capturingLogger } from './helpers/sandbox.js';
import { FakeClock, FakeSource, until } from './helpers/fake-source.js';

/**
 * Issue 13 §2 on the daemon loop with a simulated clock: an API fault holds every mail (unread,
 * where it is), its attempts and its time are not the mail's, and the loop resumes by itself once
 * the gate's probe answers again.
 */

let dir: string;
let store: SqliteStateStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-outage-'));
  store = new SqliteStateStore(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const SETTINGS: Partial<LoopSettings> = {
  recheckIntervalMs: 60_000,
  pollIntervalMs: 10_000,
  deferredRetryScheduleMs: [1000, 5000],
  maxDeferredAgeMs: 20_000,
  maxAttempts: 3,
  reconnect: { initialDelayMs: 1000, maxDelayMs: 8000 },
};

const notFound = () =>
  new ApiError('E_API_NOT_FOUND', 'GET /api/v1/TicketMessage answered 404 (check api.baseUrl)', {
    status: 404,
    retryable: false,
    scope: 'api',
    setting: 'api.baseUrl',
  });

function setup(decide: (messageId: string, n: number) => ProcessResult) {
  const clock = new FakeClock();
  const source = new FakeSource(clock);
  const api = { down: false, probes: 0 };
  const { logger, lines } = capturingLogger();
  const gate = new ApiGate({
    probe: async () => {
      api.probes++;
      if (api.down) throw notFound();
    },
    clock,
    logger,
    backoff: { initialDelayMs: 1000, maxDelayMs: 30_000 },
  });
  const calls = new Map<string, number>();
  const processMail: ProcessMail = async (_raw, meta) => {
    const id = meta.messageId ?? '';
    const n = (calls.get(id) ?? 0) + 1;
    calls.set(id, n);
    if (api.down) {
      const { status: _s, ...error } = notFound().toJSON();
      return { outcome: 'deferred', error };
    }
    return decide(id, n);
  };
  const ac = new AbortController();
  const health = newHealth('box');
  const metrics = new DaemonMetrics();
  const done = runMailbox({
    mailbox: { name: 'box', folder: 'INBOX', afterSuccess: 'seen', quarantineFolder: 'Quarantine' },
    source,
    processMail,
    state: store.mailbox('box'),
    signal: ac.signal,
    logger,
    stateDir: dir,
    clock,
    settings: SETTINGS,
    metrics,
    health,
    apiGate: gate,
  });
  const stop = async () => {
    ac.abort();
    await gate.stop();
    await done;
  };
  return { clock, source, api, gate, calls, lines, health, metrics, stop };
}

const quarantined = () =>
  existsSync(join(dir, 'quarantine', 'box')) ? readdirSync(join(dir, 'quarantine', 'box')) : [];

describe('an API outage in the daemon loop (simulated clock)', () => {
  it('longer than maxDeferredAgeMs and maxAttempts: nothing is quarantined, all is done once it ends', async () => {
    let t0 = 0;
    const t = setup((id, n) => {
      if (id !== '<late@x>') return { outcome: 'updated' };
      // One mail waits for SuperOffice's own import (a mail-scope deferral, whose age counts). Right
      // after its first try the API goes down and five more mails arrive; its second try is the
      // first after the outage, its third finds the message.
      if (n === 1) {
        t0 = t.clock.now();
        t.api.down = true;
        for (let i = 1; i <= 5; i++) t.source.deliver(`<m${i}@x>`);
      }
      return n < 3
        ? { outcome: 'deferred', error: { code: 'E_UNMATCHED', message: 'not imported yet' } }
        : { outcome: 'updated' };
    });
    t.source.deliver('<late@x>');
    await until(() => t0 > 0, 'the outage began');
    // The outage lasts 10x the deferred-age limit and many times maxAttempts worth of probes.
    await until(() => t.clock.now() - t0 > 10 * SETTINGS.maxDeferredAgeMs!, 'a long outage', 30_000);
    expect(t.gate.health()).toMatchObject({ state: 'fault', setting: 'api.baseUrl' });
    expect(t.gate.health().probes).toBeGreaterThan(SETTINGS.maxAttempts!);
    expect(t.health.state).toBe('held');
    expect(await t.metrics.value(t.metrics.apiHeld, { mailbox: 'box' })).toBeGreaterThanOrEqual(1);
    // Held: only the first mail met the fault; the rest were never started.
    expect([1, 2, 3, 4, 5].filter((i) => t.calls.has(`<m${i}@x>`))).toEqual([1]);

    t.api.down = false;
    // The late mail, retried after the outage and deferred again, is not past maxDeferredAgeMs:
    // the outage is not counted in its age.
    await until(() => t.source.inbox().every((m) => m.flags.has('\\Seen')), 'every mail done');
    await t.stop();

    expect(quarantined()).toEqual([]);
    expect(t.source.folders.get('Quarantine') ?? []).toEqual([]);
    // The attempt that met the fault was taken back: each mail counts only its real tries.
    expect(await store.mailbox('box').get(2)).toMatchObject({ status: 'done', attempts: 1 });
    expect(t.gate.health()).toMatchObject({ state: 'ok', faults: 1 });
    // Logged once per change of state, not once per mail or per probe.
    const faultLines = t.lines.filter((l) => l.includes('API at fault'));
    const backLines = t.lines.filter((l) => l.includes('API answers again'));
    expect([faultLines.length, backLines.length]).toEqual([1, 1]);
    expect(faultLines[0]).toContain('api.baseUrl');
  });

  it('an api-scope error the probe contradicts is the mail’s own: counted, quarantined at maxAttempts', async () => {
    const forbidden = new ApiError(
      'E_API_AUTH',
      'PUT /api/v1/TicketMessage/7 answered 403 (check api.auth)',
      {
        status: 403,
        retryable: false,
        scope: 'api',
        setting: 'api.auth',
      },
    );
    const { status: _s, ...error } = forbidden.toJSON();
    const t = setup((id) => (id === '<odd@x>' ? { outcome: 'deferred', error } : { outcome: 'updated' }));
    t.source.deliver('<odd@x>');
    t.source.deliver('<fine@x>');
    await until(
      async () => (await store.mailbox('box').get(1))?.status === 'quarantined',
      'odd mail quarantined',
    );
    await until(async () => (await store.mailbox('box').get(2))?.status === 'done', 'fine mail done');
    await t.stop();
    expect(t.gate.health()).toMatchObject({ state: 'ok', faults: 0 });
    expect(t.api.probes).toBeGreaterThanOrEqual(1);
    expect(t.source.folders.get('Quarantine')?.map((m) => m.messageId)).toEqual(['<odd@x>']);
  });
});

describe('/healthz and /metrics while the API is at fault', () => {
  it('answer 503 with the reason and the setting, and mail2ticket_api_up 0', async () => {
    const metrics = new DaemonMetrics();
    let down = true;
    const gate = new ApiGate({
      probe: async () => {
        if (down) throw notFound();
      },
      backoff: { initialDelayMs: 10, maxDelayMs: 20 },
      onChange: (h) => metrics.apiUp.set({}, h.state === 'ok' ? 1 : 0),
    });
    const { status: _s, ...error } = notFound().toJSON();
    expect(await gate.judge(error)).toBe(true);
    const health = { ...newHealth('box'), connected: true };
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      health: () => [health],
      api: () => gate.health(),
      metrics,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { status: string; api: { reason: string; setting: string } };
      expect(body.status).toBe('api-fault');
      expect(body.api.setting).toBe('api.baseUrl');
      expect(body.api.reason).toContain('answered 404');
      expect(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text()).toContain(
        'mail2ticket_api_up 0',
      );
      down = false;
      await gate.whenOpen();
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
      await gate.stop();
    }
  });
});
