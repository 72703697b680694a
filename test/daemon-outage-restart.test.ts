import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import { ApiGate } from '../src/api/gate.js';
import { type LoopSettings, runMailbox } from '../src/daemon/loop.js';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import type { ProcessMail } from '../src/daemon/types.js';
import { FakeClock, FakeSource, until } from './helpers/fake-source.js';
import { capturingLogger } from './helpers/sandbox.js';

/**
 * Issue 13 §2, across a restart: time the API spends at fault never counts toward a mail's
 * maxDeferredAgeMs, even when the daemon stops (or is killed) in the middle of the outage and starts
 * again while it lasts. The outage is kept in the state database (StateStore.apiFaults) and the
 * restarted daemon continues it. Simulated clock, real SQLite, the real loop and gate.
 */

const SETTINGS: Partial<LoopSettings> = {
  recheckIntervalMs: 60_000,
  pollIntervalMs: 10_000,
  deferredRetryScheduleMs: [1000, 5000],
  maxDeferredAgeMs: 20_000,
  maxAttempts: 5,
  reconnect: { initialDelayMs: 1000, maxDelayMs: 2000 },
};
/** Outage time in the first run, while the daemon is down, and in the second run. */
const FIRST_RUN_MS = 15_000;
const DOWNTIME_MS = 10_000;
const SECOND_RUN_MS = 15_000;

const notFound = () =>
  new ApiError('E_API_NOT_FOUND', 'GET /api/v1/TicketMessage answered 404 (check api.baseUrl)', {
    status: 404,
    retryable: false,
    scope: 'api',
    setting: 'api.baseUrl',
  });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-outage-restart-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('an API outage across a daemon restart (simulated clock)', () => {
  it('is continued by the restarted daemon and never counted toward a mail’s deferred age', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    const api = { down: false };
    const calls = new Map<string, number>();
    let t0 = 0;
    const processMail: ProcessMail = async (_raw, meta) => {
      const id = meta.messageId ?? '';
      const n = (calls.get(id) ?? 0) + 1;
      calls.set(id, n);
      if (api.down) {
        const { status: _s, ...error } = notFound().toJSON();
        return { outcome: 'deferred', error };
      }
      if (id !== '<late@x>') return { outcome: 'updated' };
      // The late mail waits for SuperOffice's own import (a deferral of the mail's own, whose age
      // counts). Right after its first try the API goes down.
      if (n === 1) {
        t0 = clock.now();
        api.down = true;
        source.deliver('<other@x>');
      }
      return n < 3
        ? { outcome: 'deferred', error: { code: 'E_UNMATCHED', message: 'not imported yet' } }
        : { outcome: 'updated' };
    };

    /** One daemon run: its own store handle, gate (with the stored outages) and loop. */
    const start = async () => {
      const store = new SqliteStateStore(dir);
      const past = await store.apiFaults();
      const { logger, lines } = capturingLogger();
      const gate = new ApiGate({
        probe: async () => {
          if (api.down) throw notFound();
        },
        clock,
        logger,
        backoff: { initialDelayMs: 1000, maxDelayMs: 2000 },
        journal: { past, save: (r) => store.saveApiFault(r) },
      });
      const ac = new AbortController();
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
        apiGate: gate,
      });
      const stop = async () => {
        ac.abort();
        await gate.stop();
        await done;
        await store.close();
      };
      return { store, gate, lines, stop };
    };

    // First run: the late mail is deferred, then the API goes down and stays down.
    source.deliver('<late@x>');
    const first = await start();
    await until(() => t0 > 0 && !first.gate.isOpen, 'the outage began');
    await until(() => clock.now() - t0 >= FIRST_RUN_MS, 'the first part of the outage');
    await first.stop();

    // The daemon is down for a while; the API still is too.
    clock.advance(DOWNTIME_MS);
    const stored = new SqliteStateStore(dir);
    const kept = await stored.apiFaults();
    await stored.close();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ ongoing: true });
    expect(kept[0]!.totalMs).toBeGreaterThanOrEqual(FIRST_RUN_MS);

    // Second run: it meets the fault again and continues the same outage.
    const second = await start();
    await until(() => !second.gate.isOpen, 'the restarted daemon met the fault');
    expect(second.gate.health().since).toBe(new Date(kept[0]!.startedAt).toISOString());
    const restartedAt = clock.now();
    await until(() => clock.now() - restartedAt >= SECOND_RUN_MS, 'the rest of the outage');
    // By now the late mail is older than maxDeferredAgeMs twice over, outage included.
    expect(clock.now() - t0).toBeGreaterThan(2 * SETTINGS.maxDeferredAgeMs!);

    api.down = false;
    // Retried after the outage it is deferred once more (still not imported): its age without the
    // outage is far below the limit, so it is not quarantined; the next try finds its message.
    await until(() => source.inbox().every((m) => m.flags.has('\\Seen')), 'every mail done');
    const stateOf = second.store.mailbox('box');
    const late = await stateOf.get(1);
    const outages = await second.store.apiFaults();
    await second.stop();

    const qdir = join(dir, 'quarantine', 'box');
    expect(existsSync(qdir) ? readdirSync(qdir) : []).toEqual([]);
    expect(source.folders.get('Quarantine') ?? []).toEqual([]);
    expect(late).toMatchObject({ status: 'done', outcome: 'updated' });
    expect(calls.get('<late@x>')).toBeGreaterThanOrEqual(3);
    // One outage, from the first run's start through the downtime to its end in the second run.
    expect(outages).toHaveLength(1);
    expect(outages[0]).toMatchObject({ startedAt: kept[0]!.startedAt, ongoing: false });
    expect(outages[0]!.totalMs).toBeGreaterThanOrEqual(FIRST_RUN_MS + DOWNTIME_MS + SECOND_RUN_MS);
    // The restarted daemon reported the fault once, and its end once.
    expect(second.lines.filter((l) => l.includes('API at fault')).length).toBe(1);
    expect(second.lines.filter((l) => l.includes('API answers again')).length).toBe(1);
  });

  it('an outage a run left open is closed, not continued, when the API answers first after the restart', async () => {
    const store = new SqliteStateStore(dir);
    try {
      await store.saveApiFault({ startedAt: 1000, totalMs: 5000, ongoing: true });
      const clock = new FakeClock();
      clock.t = 100_000;
      const gate = new ApiGate({
        clock,
        journal: { past: await store.apiFaults(), save: (r) => store.saveApiFault(r) },
      });
      // The outage counts up to where it was last seen at fault, not up to the restart.
      expect(gate.faultMsBetween(0, clock.now())).toBe(5000);
      gate.success();
      // The gate saves without waiting: let the write land before reading it back.
      await new Promise((r) => setImmediate(r));
      expect(await store.apiFaults()).toEqual([{ startedAt: 1000, totalMs: 5000, ongoing: false }]);
      expect(gate.faultMsBetween(0, clock.now())).toBe(5000);
      expect(gate.health().state).toBe('ok');
    } finally {
      await store.close();
    }
  });
});
