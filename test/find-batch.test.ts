import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors.js';
import {
  FIND_BATCH_MAX_MAILS,
  FIND_BATCH_MAX_QUERY_BYTES,
  FindBatcher,
  type FindBatchIo,
} from '../src/api/find-batch.js';
import { FIND_TOP, type MessageMatch, messageIdVariants } from '../src/api/odata.js';
import { AimdWindow, HeldSlot } from '../src/api/window.js';
import { withPriority } from '../src/core/priority.js';

/**
 * The lookup batcher's rules (issue 13 §3), over a fake API that keeps stored messages and answers
 * each archive filter as SuperOffice's restriction language says: clauses joined by OR, each an
 * exact `messageId is '...'`. Every mail must get what its own lookup would have given.
 */

interface Stored {
  id: number;
  messageId: string;
}

/**
 * A window of ONE request in flight, as the client's (src/api/window.ts): lookups queue for the slot
 * while a request holds it. Requests are answered at once, except while the test holds them.
 */
function fakeApi(
  stored: Stored[],
  opts: {
    batchStatus?: number;
    singleStatus?: number;
    omitIds?: boolean;
    more?: boolean;
    /** A server that reads only the first clause of an OR filter (and says nothing). */
    firstClauseOnly?: boolean;
  } = {},
) {
  const paths: string[] = [];
  const window = new AimdWindow(1);
  let release: (() => void) | undefined;
  let hold = false;
  /** One request: in the held slot or a slot of its own, given back when answered. */
  const inSlot = async <T>(slot: HeldSlot | undefined, fn: () => Promise<T>): Promise<T> => {
    const ticket = slot?.take() ?? (await window.acquire());
    try {
      if (hold) await new Promise<void>((r) => (release = r));
      return await fn();
    } finally {
      ticket.release();
    }
  };
  const answer = (variants: string[]) =>
    stored
      .filter((s) => variants.includes(s.messageId))
      .map((s) => ({
        PrimaryKey: s.id,
        ticketMessageId: String(s.id),
        ticketId: '7',
        ...(opts.omitIds ? {} : { messageId: s.messageId }),
      }));
  const filterOf = (path: string) => {
    const f = new URL(`http://x${path}`).searchParams.get('$filter')!;
    return [...f.matchAll(/messageId is '((?:[^'\\]|\\.)*)'/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
  };
  const io: FindBatchIo = {
    slot: async (priority) => new HeldSlot(await window.acquire(undefined, false, priority)),
    single: async (messageId, _signal, slot) => {
      paths.push(`single ${messageId}`);
      for (const v of messageIdVariants(messageId)) {
        const rows = await inSlot(slot, async () => {
          if (opts.singleStatus)
            throw new ApiError('E_API_NOT_FOUND', 'gone', { status: opts.singleStatus, retryable: false });
          return answer([v]);
        });
        slot = undefined;
        if (rows.length)
          return rows.map((r) => ({ ticketMessageId: r.PrimaryKey, ticketId: 7, messageId: v }));
      }
      return [];
    },
    variants: (messageId) => messageIdVariants(messageId),
    rows: (path, _signal, slot) => {
      paths.push(path);
      return inSlot(slot, async () => {
        if (opts.batchStatus)
          throw new ApiError('E_API_HTTP', 'refused', { status: opts.batchStatus, retryable: false });
        const asked = filterOf(path);
        return { rows: answer(opts.firstClauseOnly ? asked.slice(0, 1) : asked), more: opts.more === true };
      });
    },
    learned: () => {},
    off: (reason) => paths.push(`off: ${reason}`),
  };
  return {
    io,
    paths,
    filterOf,
    hold: () => {
      hold = true;
    },
    /** Until `n` requests were sent. */
    sent: async (n: number) => {
      while (paths.length < n) await new Promise((r) => setImmediate(r));
    },
    release: () => {
      hold = false;
      release?.();
    },
  };
}

const ids = (ms: MessageMatch[]) => ms.map((m) => m.ticketMessageId);
/** Lookups asked at once: they queue together for the window's slot. */
const findAll = (b: FindBatcher, ...messageIds: string[]) => Promise.all(messageIds.map((m) => b.find(m)));

describe('batched Message-Id lookups', () => {
  it('asks one lookup alone exactly as without batching', async () => {
    const api = fakeApi([{ id: 1, messageId: '<a@x>' }]);
    const b = new FindBatcher(api.io);
    expect(ids(await b.find('<a@x>'))).toEqual([1]);
    expect(api.paths).toEqual(['single <a@x>']);
    expect(b.batches).toBe(0);
  });

  it('sends the lookups that arrive meanwhile as one request, each mail getting its own answer', async () => {
    const stored = [
      { id: 1, messageId: '<a@x>' },
      { id: 2, messageId: 'b@x' }, // stored bare: found through its second spelling
      { id: 3, messageId: '<c@x>' },
      { id: 4, messageId: '<c@x>' }, // a second copy: both rows, oldest first
      { id: 5, messageId: '<D@x>' }, // differs in case only: not the same Message-Id
    ];
    const api = fakeApi(stored);
    const b = new FindBatcher(api.io);
    // The first lookup finds the slot free and goes alone; the others queue while it holds the slot.
    api.hold();
    const first = b.find('<a@x>');
    await api.sent(1);
    const rest = Promise.all(['<b@x>', '<c@x>', '<d@x>', '<none@x>'].map((m) => b.find(m)));
    api.release();
    expect(ids(await first)).toEqual([1]);
    const [bb, c, d, none] = await rest;
    expect(ids(bb!)).toEqual([2]);
    expect(ids(c!)).toEqual([3, 4]);
    expect(d).toEqual([]);
    expect(none).toEqual([]);
    // The first alone, the other four in one request asking both spellings of each.
    expect(api.paths).toHaveLength(2);
    expect(api.filterOf(api.paths[1]!)).toEqual([
      '<b@x>',
      'b@x',
      '<c@x>',
      'c@x',
      '<d@x>',
      'd@x',
      '<none@x>',
      'none@x',
    ]);
    expect(new URL(`http://x${api.paths[1]!}`).searchParams.get('$top')).toBe(String(8 * FIND_TOP));
    expect(b.batches).toBe(1);
    expect(b.batched).toBe(4);
  });

  it('answers each mail as its own lookup would: the preferred spelling first', async () => {
    // Both spellings stored (an anomaly): the single lookup stops at the first spelling with rows.
    const api = fakeApi([
      { id: 1, messageId: 'x@x' },
      { id: 2, messageId: '<x@x>' },
    ]);
    const b = new FindBatcher(api.io);
    const first = b.find('<warm@x>');
    const bracketed = b.find('<x@x>');
    const bare = b.find('x@x');
    await first;
    expect(ids(await bracketed)).toEqual([2]);
    expect(ids(await bare)).toEqual([1]);
  });

  it('looks a mail up alone when the rows cannot be told apart', async () => {
    const api = fakeApi(
      [
        { id: 1, messageId: '<a@x>' },
        { id: 2, messageId: '<b@x>' },
      ],
      { omitIds: true },
    );
    const b = new FindBatcher(api.io);
    const [, a, bb] = await findAll(b, '<warm@x>', '<a@x>', '<b@x>');
    expect(ids(a!)).toEqual([1]);
    expect(ids(bb!)).toEqual([2]);
    expect(api.paths.filter((p) => p.startsWith('single'))).toEqual([
      'single <warm@x>',
      'single <a@x>',
      'single <b@x>',
    ]);
  });

  it('looks every mail up alone when the batched list says it was cut short', async () => {
    const api = fakeApi(
      [
        { id: 1, messageId: '<a@x>' },
        { id: 2, messageId: '<b@x>' },
      ],
      { more: true },
    );
    const b = new FindBatcher(api.io);
    const [a, bb] = await findAll(b, '<a@x>', '<b@x>');
    expect(ids(a!)).toEqual([1]);
    expect(ids(bb!)).toEqual([2]);
    expect(api.paths.filter((p) => p.startsWith('single'))).toEqual(['single <a@x>', 'single <b@x>']);
    expect(b.batched).toBe(0);
  });

  it('confirms a batch\'s "not found" alone until a batch has found two mails', async () => {
    const api = fakeApi([
      { id: 1, messageId: '<a@x>' },
      { id: 2, messageId: '<b@x>' },
      { id: 3, messageId: '<c@x>' },
    ]);
    const b = new FindBatcher(api.io);
    // One found, one not: the "not found" is asked again alone.
    const [a, none] = await findAll(b, '<a@x>', '<none@x>');
    expect(ids(a!)).toEqual([1]);
    expect(none).toEqual([]);
    expect(api.paths.filter((p) => p.startsWith('single'))).toEqual(['single <none@x>']);
    expect(b.confirmed).toBe(1);
    // Two found in one batch: the server reads the whole OR; its "not found" is trusted from now on.
    await findAll(b, '<b@x>', '<c@x>', '<none2@x>');
    await findAll(b, '<a@x>', '<none3@x>');
    expect(api.paths.filter((p) => p.startsWith('single'))).toEqual(['single <none@x>']);
    expect(b.confirmed).toBe(1);
  });

  it('turns batching off when a server reading part of the filter missed a message', async () => {
    const api = fakeApi(
      [
        { id: 1, messageId: '<a@x>' },
        { id: 2, messageId: '<b@x>' },
      ],
      { firstClauseOnly: true },
    );
    const b = new FindBatcher(api.io);
    const [a, bb] = await findAll(b, '<a@x>', '<b@x>');
    // Each mail still gets its message: nothing is created twice.
    expect(ids(a!)).toEqual([1]);
    expect(ids(bb!)).toEqual([2]);
    expect(api.paths.filter((p) => p.startsWith('off:'))).toEqual([
      'off: a batched Message-Id lookup did not find a message that its own lookup found',
    ]);
    await findAll(b, '<a@x>', '<b@x>');
    expect(api.paths.filter((p) => p.startsWith('/api/'))).toHaveLength(1);
  });

  it('turns batching off for good when the API refuses a batch but answers single lookups', async () => {
    const api = fakeApi([{ id: 1, messageId: '<a@x>' }], { batchStatus: 400 });
    const b = new FindBatcher(api.io);
    const [, a, bb] = await findAll(b, '<warm@x>', '<a@x>', '<b@x>');
    expect(ids(a!)).toEqual([1]);
    expect(bb).toEqual([]);
    const later = b.find('<a@x>');
    const later2 = b.find('<c@x>');
    await Promise.all([later, later2]);
    expect(api.paths.filter((p) => p.startsWith('off:'))).toEqual([
      'off: the API answered 400 to a batched Message-Id lookup',
    ]);
    // After the refusal nothing is batched again.
    expect(api.paths.filter((p) => p.startsWith('/api/'))).toHaveLength(1);
  });

  it('keeps batching on when single lookups are refused too (the API is at fault, not the batch)', async () => {
    const api = fakeApi([], { batchStatus: 404, singleStatus: 404 });
    const b = new FindBatcher(api.io);
    const first = b.find('<warm@x>').catch((e: unknown) => e);
    const two = Promise.all([
      b.find('<a@x>').catch((e: unknown) => e),
      b.find('<b@x>').catch((e: unknown) => e),
    ]);
    expect(await first).toBeInstanceOf(ApiError);
    for (const e of await two) expect((e as ApiError).status).toBe(404);
    expect(api.paths.some((p) => p.startsWith('off:'))).toBe(false);
    const again = Promise.all([
      b.find('<warm2@x>').catch(() => 0),
      b.find('<c@x>').catch(() => 0),
      b.find('<d@x>').catch(() => 0),
    ]);
    await again;
    expect(api.paths.filter((p) => p.startsWith('/api/'))).toHaveLength(2);
  });

  it('keeps each request under the query-string budget and the mail cap, oldest mails first', async () => {
    const long = (i: number) => `<${String(i).padStart(3, '0')}.${'x'.repeat(90)}@example.com>`;
    const api = fakeApi(Array.from({ length: 40 }, (_, i) => ({ id: i + 1, messageId: long(i) })));
    const b = new FindBatcher(api.io);
    api.hold();
    const first = b.find('<warm@x>');
    await api.sent(1);
    // Queued newest first; served oldest (lowest place) first.
    const all = Promise.all(
      Array.from({ length: 40 }, (_, i) => 39 - i).map((i) => withPriority(i, () => b.find(long(i)))),
    );
    api.release();
    await first;
    await all;
    const batches = api.paths.filter((p) => p.startsWith('/api/'));
    expect(batches.length).toBeGreaterThan(1);
    const seen: string[] = [];
    for (const p of batches) {
      const query = p.slice(p.indexOf('?') + 1);
      const filter = new URLSearchParams(query).get('$filter')!;
      expect(encodeURIComponent(filter).length).toBeLessThanOrEqual(FIND_BATCH_MAX_QUERY_BYTES);
      const mails = api.filterOf(p).filter((v) => v.startsWith('<'));
      expect(mails.length).toBeLessThanOrEqual(FIND_BATCH_MAX_MAILS);
      seen.push(...mails);
    }
    const singles = api.paths.filter((p) => p.startsWith('single') && !p.includes('warm'));
    expect(seen.length + singles.length).toBe(40);
    // Oldest first across the batches.
    expect(seen).toEqual([...seen].sort());
  });

  it("takes its abort listeners off the mails' signals again", async () => {
    const api = fakeApi([{ id: 1, messageId: '<a@x>' }]);
    const b = new FindBatcher(api.io);
    const ctl = new AbortController();
    for (let round = 0; round < 20; round++) {
      const first = b.find('<warm@x>', ctl.signal);
      await Promise.all([first, b.find('<a@x>', ctl.signal), b.find('<b@x>', ctl.signal)]);
    }
    expect(b.batches).toBe(20);
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });
});
