import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SuperOfficeClient } from '../src/api/client.js';
import { AIMD_GROW_AFTER } from '../src/api/window.js';
import { type Sandbox, sandboxApiConfig, startSandbox, testClient } from './helpers/sandbox.js';

/**
 * Issue 13 §3, AIMD against the sandbox: the window of requests in flight is observed where it
 * matters, at the server (the sandbox counts the API requests it is answering as each one arrives),
 * never by timing anything. The sandbox answers each request after a delay, so requests really
 * overlap; its fault queue decides exactly which answers are 429s and 500s.
 */

const LIMIT = 8;
const LATENCY_MS = 40;

let sb: Sandbox;
/** In flight at the server as each API request arrived, in arrival order. */
let arrivals: number[];

beforeEach(async () => {
  arrivals = [];
  sb = await startSandbox({
    onRequest: (r) => {
      arrivals.push(r.inFlight);
      return undefined;
    },
  });
});
afterEach(async () => {
  await sb.close();
});

const config = () =>
  sandboxApiConfig(sb.apiUrl, {
    concurrency: LIMIT,
    retry: { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 600_000 },
  });

/** `n` Message-Id lookups at once (each one API request when the answer is good). */
const burst = (client: SuperOfficeClient, n: number) =>
  Promise.all(Array.from({ length: n }, () => client.probe()));

/** Arrivals from here on, once `fn` has run. */
async function observe(fn: () => Promise<unknown>): Promise<number[]> {
  const from = arrivals.length;
  await fn();
  return arrivals.slice(from);
}

const max = (xs: number[]) => Math.max(...xs);

describe('the AIMD window, seen from the server', () => {
  it('fills the configured limit and never goes above it', async () => {
    sb.setFaults({ latencyMs: LATENCY_MS });
    const { client } = await testClient(config());
    try {
      const seen = await observe(() => burst(client, 6 * LIMIT));
      expect(seen).toHaveLength(6 * LIMIT);
      expect(max(seen)).toBe(LIMIT);
      expect(client.window.current).toBe(LIMIT);
    } finally {
      await client.close();
    }
  });

  it('halves once on a burst of 429s, then grows back one step per success streak', async () => {
    const { client, delays } = await testClient(config());
    try {
      // Eight in flight; three of them meet a 429. All eight were sent at the full window, so the
      // window halves once (8 -> 4), not once per 429 (8 -> 1).
      sb.setFaults({ latencyMs: LATENCY_MS, queue: ['429', '429', '429'], retryAfterSeconds: 0 });
      await observe(() => burst(client, LIMIT));
      expect(sb.state().counters.faults).toEqual({ '429': 3 });
      expect(client.stats.windowDecreases).toBe(1);
      expect(delays).toHaveLength(3); // the three were retried

      // The next requests: four at a time while the success streak builds, then one more per
      // AIMD_GROW_AFTER successes, never above the limit.
      sb.setFaults({ latencyMs: LATENCY_MS });
      const seen = await observe(() => burst(client, 6 * LIMIT));
      expect(max(seen.slice(0, LIMIT))).toBe(LIMIT / 2);
      expect(max(seen)).toBeLessThanOrEqual(LIMIT);
      expect(max(seen.slice(-LIMIT))).toBeGreaterThan(LIMIT / 2);
      // At each arrival: no more in flight than half the limit plus one step per full streak of
      // answers already given. (The three retries after the halving count toward the first streak.)
      const over = seen.flatMap((inFlight, i) => {
        const answered = i - (inFlight - 1);
        const bound = Math.min(LIMIT, LIMIT / 2 + Math.floor((answered + 3) / AIMD_GROW_AFTER));
        return inFlight > bound ? [`arrival ${i}: ${inFlight} in flight, window at most ${bound}`] : [];
      });
      expect(over).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a single 5xx is retried without slowing down; a streak of them halves the window', async () => {
    const { client } = await testClient(config());
    try {
      // One request at a time, so the answers come in exactly the queued order.
      sb.setFaults({ queue: ['500'] });
      await client.probe();
      sb.setFaults({ latencyMs: LATENCY_MS });
      expect(max(await observe(() => burst(client, LIMIT)))).toBe(LIMIT);
      expect(client.stats.windowDecreases).toBe(0);

      sb.setFaults({ queue: ['500', '500', '500'] });
      await client.probe();
      expect(client.stats.windowDecreases).toBe(1);
      sb.setFaults({ latencyMs: LATENCY_MS });
      expect(max(await observe(() => burst(client, LIMIT)))).toBe(LIMIT / 2);

      // An outage of nothing but 500s brings it down to one request at a time, not to zero.
      sb.setFaults({ errorRate: 1 });
      await expect(client.probe()).rejects.toMatchObject({ status: 500 });
      expect(client.window.current).toBe(1);
      sb.setFaults({ latencyMs: LATENCY_MS });
      expect(max(await observe(() => burst(client, 4)))).toBe(1);
    } finally {
      await client.close();
    }
  });

  for (const form of ['seconds', 'HTTP-date'] as const) {
    it(`honours Retry-After (${form}) for the whole window, not just the request that got it`, async () => {
      // The client's waits are recorded and held until the test lets them go: while they are held,
      // nothing may reach the server.
      const waits: number[] = [];
      const held: (() => void)[] = [];
      const { client } = await testClient(config(), {
        sleep: (ms) => {
          waits.push(ms);
          return new Promise<void>((resolve) => held.push(resolve));
        },
      });
      try {
        sb.setFaults({ queue: ['429'], retryAfterSeconds: 30, retryAfterDate: form === 'HTTP-date' });
        const first = client.probe();
        await until(() => held.length === 1);
        // A 429 with Retry-After 30 s: the request waits that long (the HTTP-date form has whole
        // seconds, so a little less) ...
        expect(waits[0]).toBeGreaterThan(28_000);
        expect(waits[0]).toBeLessThanOrEqual(30_000);
        // ... and so does every request started meanwhile, before sending anything.
        const arrived = sb.state().counters.requests;
        const others = burst(client, LIMIT - 1);
        await until(() => held.length === LIMIT);
        expect(waits.slice(1).every((w) => w > 28_000 && w <= 30_000)).toBe(true);
        expect(sb.state().counters.requests).toBe(arrived);
        expect(sb.inFlight()).toBe(0);

        sb.setFaults({ latencyMs: LATENCY_MS });
        const seen = await observe(async () => {
          for (const release of held.splice(0)) release();
          await Promise.all([first, others]);
        });
        expect(seen).toHaveLength(LIMIT);
        // The 429 halved the window too.
        expect(max(seen)).toBeLessThanOrEqual(LIMIT / 2);
      } finally {
        for (const release of held.splice(0)) release();
        await client.close();
      }
    });
  }
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 500) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the order in which waiting requests get a slot', () => {
  it('serves the oldest mail first, and arrival order among equals', async () => {
    const { AimdWindow } = await import('../src/api/window.js');
    const { withPriority } = await import('../src/core/priority.js');
    const w = new AimdWindow(1);
    const first = await w.acquire();
    const served: string[] = [];
    const wait = (name: string, place?: number) => {
      const go = () =>
        w.acquire().then((t) => {
          served.push(name);
          t.release();
        });
      return place === undefined ? go() : withPriority(place, go);
    };
    // Queued while the one slot is taken: places 5, 1, none (a probe), 1 again, 3.
    const all = Promise.all([wait('m5', 5), wait('m1', 1), wait('probe'), wait('m1b', 1), wait('m3', 3)]);
    first.release();
    await all;
    expect(served).toEqual(['m1', 'm1b', 'm3', 'm5', 'probe']);
  });
});
