import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/core/backoff.js';
import {
  type LoopMailbox,
  type LoopSettings,
  type MailboxHealth,
  newHealth,
  runMailbox,
} from '../src/daemon/loop.js';
import { SqliteStateStore } from '../src/daemon/mailbox-state.js';
import { DaemonMetrics } from '../src/daemon/metrics.js';
import type { MailMeta, ProcessMail, ProcessResult } from '../src/daemon/types.js';
import { silentLogger } from '../src/logger.js';
import { FakeClock, FakeSource, until } from './helpers/fake-source.js';

let dir: string;
let store: SqliteStateStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'm2t-loop-'));
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
  maxDeferredAgeMs: 3_600_000,
  maxAttempts: 4,
  reconnect: { initialDelayMs: 1000, maxDelayMs: 8000 },
};

function start(opts: {
  source: FakeSource;
  clock: FakeClock;
  processMail: ProcessMail;
  mailbox?: Partial<LoopMailbox>;
  settings?: Partial<LoopSettings>;
}) {
  const ac = new AbortController();
  const health: MailboxHealth = newHealth('box');
  const metrics = new DaemonMetrics();
  const done = runMailbox({
    mailbox: { name: 'box', folder: 'INBOX', afterSuccess: 'seen', ...opts.mailbox },
    source: opts.source,
    processMail: opts.processMail,
    state: store.mailbox('box'),
    signal: ac.signal,
    logger: silentLogger(),
    stateDir: dir,
    clock: opts.clock,
    settings: { ...SETTINGS, ...opts.settings },
    metrics,
    health,
  });
  return {
    health,
    metrics,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

/**
 * A processMail that records calls and what it saw: whether the raw mail was a Buffer and whether
 * the mail was already flagged or moved when the pipeline got it. Nothing is asserted in here (the
 * loop turns a throw into a deferral, which would hide the failure): each test checks
 * `rec.violations` after the loop.
 */
function recorder(
  source: FakeSource,
  decide: (meta: MailMeta, n: number) => ProcessResult | Promise<ProcessResult>,
) {
  const calls: MailMeta[] = [];
  const violations: string[] = [];
  const fn: ProcessMail = async (raw, meta) => {
    if (!Buffer.isBuffer(raw)) violations.push(`uid ${meta.uid}: raw mail is not a Buffer`);
    const m = source.inbox().find((x) => x.uid === meta.uid);
    if (!m) violations.push(`uid ${meta.uid}: not in INBOX when processed (moved before acceptance)`);
    else if (m.flags.size > 0) {
      violations.push(`uid ${meta.uid}: flagged ${[...m.flags].join(' ')} before it was accepted`);
    }
    calls.push(meta);
    return decide(meta, calls.filter((c) => c.uid === meta.uid).length);
  };
  return { calls, violations, fn };
}

describe('runMailbox with a fake source', () => {
  it('catches up in UID order, flags each mail only after acceptance, and records it', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    for (let i = 1; i <= 5; i++) source.deliver(`<m${i}@x>`);
    const rec = recorder(source, () => ({ outcome: 'updated', kind: 'message' }));
    const loop = start({ source, clock, processMail: rec.fn });
    // Waits on the state, not on the flags, so a flag set too early reaches the assertions below.
    const applied = async (uid: number) => (await store.mailbox('box').get(uid))?.applied === 1;
    await until(() => applied(5), 'five mails done');
    source.deliver('<m6@x>'); // arrives while waiting
    await until(() => applied(6), 'new mail done');
    await loop.stop();
    expect(rec.violations).toEqual([]);
    // one flag per mail, each after its acceptance, in UID order
    expect(source.log).toEqual([1, 2, 3, 4, 5, 6].map((u) => `seen ${u}`));
    expect(rec.calls.map((c) => c.uid)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rec.calls[0]).toEqual({ mailbox: 'box', uid: 1, messageId: '<m1@x>' });
    expect(source.inbox().every((m) => m.flags.has('\\Seen'))).toBe(true);
    const state = store.mailbox('box');
    expect(await state.get(3)).toMatchObject({ status: 'done', outcome: 'updated', attempts: 1, applied: 1 });
    expect(await state.floor()).toBe(7);
    expect(
      await loop.metrics.value(loop.metrics.mails, { mailbox: 'box', outcome: 'updated', kind: 'message' }),
    ).toBe(6);
    expect(loop.health.state).toBe('stopped');
  });

  it('leaves a deferred mail in place and retries it on the schedule until accepted', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<a@x>');
    source.deliver('<b@x>');
    const rec = recorder(source, (meta, n) =>
      meta.uid === 1 && n < 3
        ? { outcome: 'deferred', error: { code: 'E_API_HTTP', message: 'HTTP 503', retryable: true } }
        : { outcome: 'created' },
    );
    const loop = start({ source, clock, processMail: rec.fn });
    await until(() => source.log.includes('seen 1'), 'deferred mail finally accepted');
    await loop.stop();
    expect(rec.violations).toEqual([]);
    // uid 2 was not held up by uid 1's failures
    expect(rec.calls.map((c) => c.uid)).toEqual([1, 2, 1, 1]);
    expect(await store.mailbox('box').get(1)).toMatchObject({
      status: 'done',
      attempts: 3,
      lastError: 'E_API_HTTP: HTTP 503',
    });
    expect(await loop.metrics.value(loop.metrics.retries, { mailbox: 'box' })).toBe(2);
  });

  it('quarantines a mail that always fails (raw + reason written, moved), while the rest flow', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<ok1@x>');
    source.deliver('<bad@x>', 'poison');
    source.deliver('<ok2@x>');
    const rec = recorder(source, (meta) => {
      if (meta.messageId === '<bad@x>') throw new Error('parser exploded');
      return { outcome: 'updated' };
    });
    const loop = start({ source, clock, processMail: rec.fn, mailbox: { quarantineFolder: 'Quarantine' } });
    await until(() => (source.folders.get('Quarantine')?.length ?? 0) === 1, 'bad mail quarantined');
    await loop.stop();
    expect(rec.violations).toEqual([]);
    expect(rec.calls.filter((c) => c.uid === 2)).toHaveLength(4); // maxAttempts
    expect(source.inbox().map((m) => m.messageId)).toEqual(['<ok1@x>', '<ok2@x>']);
    const base = join(dir, 'quarantine', 'box', '1000-2');
    expect(readFileSync(`${base}.eml`, 'utf8')).toContain('poison');
    const reason = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    expect(reason).toMatchObject({ uid: 2, messageId: '<bad@x>', code: 'E_PROCESS', attempts: 4 });
    expect(reason.message).toContain('parser exploded');
    expect(await store.mailbox('box').get(2)).toMatchObject({ status: 'quarantined', applied: 1 });
  });

  it('quarantines at once when the pipeline says so, and moves accepted mail with afterSuccess=move', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<q@x>');
    source.deliver('<fine@x>');
    const rec = recorder(source, (meta) =>
      meta.uid === 1
        ? {
            outcome: 'quarantined',
            error: { code: 'E_MIME_TOO_DEEP', message: 'MIME nesting deeper than 50' },
          }
        : { outcome: 'updated' },
    );
    const loop = start({
      source,
      clock,
      processMail: rec.fn,
      mailbox: { afterSuccess: 'move', processedFolder: 'Done' },
    });
    await until(
      async () =>
        (await store.mailbox('box').get(2))?.applied === 1 &&
        (await store.mailbox('box').get(1))?.status === 'quarantined',
      'fine mail moved, the other quarantined',
    );
    await loop.stop();
    expect(rec.violations).toEqual([]);
    expect(source.log).toEqual(['move 2 Done']);
    expect(source.folders.get('Done')?.map((m) => m.uid)).toEqual([2]);
    // no quarantineFolder: the mail stays where it is, unread, and is not retried
    expect(source.inbox()[0]).toMatchObject({ uid: 1 });
    expect(source.inbox()[0]!.flags.size).toBe(0);
    expect(existsSync(join(dir, 'quarantine', 'box', '1000-1.eml'))).toBe(true);
    expect(rec.calls).toHaveLength(2);
  });

  it('quarantines a deferred mail once it is older than maxDeferredAgeMs', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<slow@x>');
    const rec = recorder(source, () => ({
      outcome: 'deferred',
      error: { code: 'E_API_NETWORK', message: 'down' },
    }));
    const loop = start({
      source,
      clock,
      processMail: rec.fn,
      settings: { maxAttempts: 1000, maxDeferredAgeMs: 20_000, deferredRetryScheduleMs: [6000] },
    });
    await until(
      async () => (await store.mailbox('box').get(1))?.status === 'quarantined',
      'quarantined by age',
    );
    await loop.stop();
    expect(rec.violations).toEqual([]);
    // tried at 0, 6, 12, 18 s; the attempt at 24 s is past the 20 s age limit
    expect(rec.calls).toHaveLength(5);
    const reason = JSON.parse(readFileSync(join(dir, 'quarantine', 'box', '1000-1.json'), 'utf8'));
    expect(reason.message).toMatch(/still deferred after 24 s; last error: E_API_NETWORK: down/);
  });

  it('reconnects with capped, jittered exponential backoff and keeps going', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<r@x>');
    source.failOpens = 6;
    const rec = recorder(source, () => ({ outcome: 'updated' }));
    const loop = start({ source, clock, processMail: rec.fn });
    await until(() => source.log.length === 1, 'mail done after reconnects');
    await loop.stop();
    expect(rec.violations).toEqual([]);
    // random() = 0.5 → 75 % of the step; steps 1, 2, 4, 8, 8, 8 s (capped at 8)
    expect(clock.sleeps.slice(0, 6)).toEqual([750, 1500, 3000, 6000, 6000, 6000]);
    expect(await loop.metrics.value(loop.metrics.reconnects, { mailbox: 'box' })).toBe(6);
    expect(loop.health.consecutiveFailures).toBe(0);
    expect(backoffDelay(3, { initialDelayMs: 1000, maxDelayMs: 8000 }, () => 0)).toBe(2000);
    expect(backoffDelay(3, { initialDelayMs: 1000, maxDelayMs: 8000 }, () => 1)).toBe(4000);
  });

  it('settles a flag that was owed when the connection dropped after the API accepted (no second PUT)', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<cut@x>');
    source.failNextApply = true;
    const rec = recorder(source, () => ({ outcome: 'updated' }));
    const loop = start({ source, clock, processMail: rec.fn });
    await until(() => source.log.includes('seen 1'), 'owed flag applied after reconnect');
    await loop.stop();
    expect(rec.violations).toEqual([]);
    expect(rec.calls).toHaveLength(1);
    expect(source.opens).toBe(2);
    expect(await store.mailbox('box').get(1)).toMatchObject({ status: 'done', applied: 1, attempts: 1 });
  });

  it('after a UIDVALIDITY change re-scans and skips mail already done by Message-Id', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<u1@x>');
    source.deliver('<u2@x>');
    const rec = recorder(source, () => ({ outcome: 'updated' }));
    // flags are lost along with the index: the server forgot everything
    const loop = start({ source, clock, processMail: rec.fn });
    await until(() => source.log.length === 2, 'first two done');
    for (const m of source.inbox()) m.flags.clear();
    source.deliver('<u3@x>');
    source.resetUidValidity('2000');
    await until(() => source.inbox().every((m) => m.flags.has('\\Seen')), 'all flagged again');
    await loop.stop();
    expect(rec.violations).toEqual([]);
    expect(rec.calls.map((c) => c.messageId)).toEqual(['<u1@x>', '<u2@x>', '<u3@x>']);
    const state = store.mailbox('box');
    expect(await state.uidValidity()).toBe('2000');
    expect(await state.get(1)).toMatchObject({ outcome: 'duplicate' });
  });

  it('on stop finishes the mail in flight and applies its flag before returning', async () => {
    const clock = new FakeClock();
    const source = new FakeSource(clock);
    source.deliver('<slow@x>');
    source.deliver('<next@x>');
    let release: () => void = () => {};
    let entered = false;
    const processMail: ProcessMail = async () => {
      entered = true;
      await new Promise<void>((r) => {
        release = r;
      });
      return { outcome: 'updated' };
    };
    const loop = start({ source, clock, processMail });
    await until(() => entered, 'processing started');
    const stopped = loop.stop();
    release();
    await stopped;
    expect(source.inbox()[0]!.flags.has('\\Seen')).toBe(true);
    // the second mail was not started after the stop
    expect(source.inbox()[1]!.flags.size).toBe(0);
    expect(await store.mailbox('box').get(2)).toBeUndefined();
  });
});
