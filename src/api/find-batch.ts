import { currentPriority, withPriority } from '../core/priority.js';
import { ApiError } from './errors.js';
import type { HeldSlot } from './window.js';
import { batchClauseBytes, findPath, type MessageMatch, matchesInBatch } from './odata.js';

/**
 * Message-Id lookups of many mails in one archive request (issue 13 §3: "fewer requests per mail").
 *
 * Every mail starts with the lookup of its own Message-Id. A lookup waits for a slot in the request
 * window like any request (src/api/window.ts); the lookups that queued up meanwhile go with it in the
 * same request: `messageId is 'a' or messageId is 'b'` (see findPath). The batch is formed when
 * the slot is granted, so a lookup is never held back for batching: with a slot free it goes at
 * once, alone, exactly as without batching; a busy window (a backlog) batches the more, the busier
 * it is. One slow lookup holds up no other (each batch has its own slot). A mail's answer is what its
 * own lookup would have answered (matchesInBatch); when that cannot be told, it is asked on its own.
 *
 * Whether a tenant accepts the OR filter is documented, not seen: an answer of 400, 404 or 414 to a
 * batch (a rejected filter, or a query string over the web server's limit: IIS answers 404.15) turns
 * batching off for the run and every mail is looked up on its own, whose errors then say what is
 * wrong as they always did. A server that silently read part of the filter would answer "not found"
 * for mails that exist, and the flow would create them again: until a batch has found two mails,
 * a batch's "not found" is confirmed by the mail's own lookup (see send).
 */
export interface FindBatchIo {
  /** A slot in the request window, granted lowest `priority` first. */
  slot(priority: number): Promise<HeldSlot>;
  /** The lookup of one mail, as without batching: all spellings, preferred first. */
  single(messageId: string, signal: AbortSignal | undefined, slot?: HeldSlot): Promise<MessageMatch[]>;
  /** The spellings to ask for `messageId`, preferred first (the client learns the tenant's). */
  variants(messageId: string): string[];
  /**
   * One request for a batched path (sent in `slot`): the archive answer's rows, and whether it says
   * there are more (a non-empty `odata.nextLink`: the server cut the list short).
   */
  rows(
    path: string,
    signal: AbortSignal | undefined,
    slot: HeldSlot,
  ): Promise<{ rows: unknown[]; more: boolean }>;
  /** The client saw which spelling the tenant stores (updates its preference). */
  learned(messageId: string, match: MessageMatch, variant: string): void;
  /** Batching was turned off: said once, with why. */
  off(reason: string): void;
}

interface Waiting {
  messageId: string;
  priority: number;
  signal: AbortSignal | undefined;
  resolve(m: MessageMatch[]): void;
  reject(err: unknown): void;
}

export class FindBatcher {
  private queue: Waiting[] = [];
  /** A slot is being waited for on the queue's behalf. */
  private asking = false;
  private enabled = true;
  /** A batch has found two different mails: this server reads the whole OR (see send). */
  private trusted = false;
  /** Batched requests sent, the lookups they answered, and "not found"s asked again alone. */
  batches = 0;
  batched = 0;
  confirmed = 0;

  constructor(private readonly io: FindBatchIo) {}

  find(messageId: string, signal?: AbortSignal): Promise<MessageMatch[]> {
    if (!this.enabled) return this.io.single(messageId, signal);
    return new Promise<MessageMatch[]>((resolve, reject) => {
      this.queue.push({ messageId, priority: currentPriority(), signal, resolve, reject });
      if (!this.asking) void this.ask();
    });
  }

  /** Wait for a slot for the oldest queued lookup; then send all that fit, and ask again for the rest. */
  private async ask(): Promise<void> {
    this.asking = true;
    let slot: HeldSlot;
    try {
      slot = await this.io.slot(Math.min(...this.queue.map((w) => w.priority)));
    } catch (err) {
      for (const w of this.queue.splice(0)) w.reject(err);
      return;
    } finally {
      this.asking = false;
    }
    const batch = this.take();
    if (this.queue.length > 0) void this.ask();
    if (batch.length === 0) return slot.release();
    await this.send(batch, slot);
  }

  /** The oldest mails' lookups that fit one request (FIND_BATCH_MAX_MAILS, FIND_BATCH_MAX_QUERY_BYTES). */
  private take(): Waiting[] {
    this.queue.sort((a, b) => a.priority - b.priority);
    const batch: Waiting[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && batch.length < FIND_BATCH_MAX_MAILS) {
      const next = this.queue[0]!;
      const cost = this.io.variants(next.messageId).reduce((n, v) => n + batchClauseBytes(v), 0);
      if (batch.length > 0 && bytes + cost > FIND_BATCH_MAX_QUERY_BYTES) break;
      bytes += cost;
      batch.push(this.queue.shift()!);
    }
    return batch;
  }

  private async send(batch: Waiting[], slot: HeldSlot): Promise<void> {
    const live = batch.filter((w) => !w.signal?.aborted);
    for (const w of batch) if (w.signal?.aborted) w.reject(aborted());
    const priority = Math.min(...live.map((w) => w.priority));
    // One mail (or batching turned off meanwhile): its own lookup, exactly as without batching.
    if (live.length <= 1 || !this.enabled) {
      await Promise.all(live.map((w, i) => this.alone(w, priority, i === 0 ? slot : undefined)));
      slot.release();
      return;
    }
    const spellings = new Map(live.map((w) => [w, this.io.variants(w.messageId)]));
    const all = [...new Set([...spellings.values()].flat())];
    let answer: { rows: unknown[]; more: boolean };
    // Aborted only when every mail in it is: one mail's shutdown is not the others'.
    const signal = allAborted(live);
    try {
      answer = await withPriority(priority, () => this.io.rows(findPath(...all), signal.signal, slot));
    } catch (err) {
      if (err instanceof ApiError && err.status !== undefined && BATCH_REFUSED.has(err.status)) {
        const alone = await Promise.all(live.map((w) => this.alone(w, priority)));
        // Refused alone as well: the API (or its URL) is at fault, not the batch. Batching stays on
        // for when it is back; the single lookups' errors say what is wrong.
        if (alone.some(Boolean))
          this.turnOff(`the API answered ${err.status} to a batched Message-Id lookup`);
        return;
      }
      for (const w of live) w.reject(err);
      return;
    } finally {
      signal.dispose();
      slot.release();
    }
    this.batches++;
    // A list cut short may lack any mail's rows: each is asked on its own then.
    const answers = live.map((w) => ({
      w,
      mine: answer.more ? undefined : answerOf(answer.rows, spellings.get(w)!),
    }));
    if (answers.filter((a) => a.mine && a.mine.matches.length > 0).length >= 2) this.trusted = true;
    await Promise.all(
      answers.map(async ({ w, mine }) => {
        if (mine === undefined) return void (await this.alone(w, priority));
        // "Not found" makes the flow create a new message, so a server that read only part of the
        // filter would make duplicates: until a batch has found two mails (the whole OR is read),
        // a mail it did not find is confirmed by its own lookup.
        if (mine.matches.length === 0 && !this.trusted) return this.confirm(w, priority);
        this.batched++;
        if (mine.matches.length > 0) this.io.learned(w.messageId, mine.matches[0]!, mine.variant);
        w.resolve(mine.matches);
      }),
    );
  }

  /** A batch's "not found", asked alone; the batch missed what this finds: batching is off. */
  private async confirm(w: Waiting, priority: number): Promise<void> {
    this.confirmed++;
    const matches = await this.own(w, priority);
    if (matches && matches.length > 0)
      this.turnOff('a batched Message-Id lookup did not find a message that its own lookup found');
  }

  /** For the rest of the run, every mail is looked up alone; said once. */
  private turnOff(reason: string): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.io.off(reason);
  }

  /** The mail's own lookup (its first request in `slot` when given); true when it was answered. */
  private async alone(w: Waiting, priority: number, slot?: HeldSlot): Promise<boolean> {
    return (await this.own(w, priority, slot)) !== undefined;
  }

  /** The mail's own lookup, which settles its promise; its matches, or undefined when it failed. */
  private async own(w: Waiting, priority: number, slot?: HeldSlot): Promise<MessageMatch[] | undefined> {
    try {
      const matches = await withPriority(priority, () => this.io.single(w.messageId, w.signal, slot));
      w.resolve(matches);
      return matches;
    } catch (err) {
      w.reject(err);
      return undefined;
    }
  }
}

/**
 * What the single lookup would answer from the batch's rows: the first spelling with matches, or
 * none. Undefined when a spelling's rows cannot be told apart (see matchesInBatch).
 */
function answerOf(rows: readonly unknown[], variants: readonly string[]) {
  for (const variant of variants) {
    const matches = matchesInBatch(rows, variant);
    if (matches === undefined) return undefined;
    if (matches.length > 0) return { matches, variant };
  }
  return { matches: [] as MessageMatch[], variant: variants[0]! };
}

/**
 * A signal that aborts once every waiting mail's own signal has (a mail without one: never), and
 * `dispose` to take its listeners off the mails' signals again: the daemon's signal lives for weeks
 * and sees thousands of batches.
 */
function allAborted(batch: readonly Waiting[]): { signal: AbortSignal | undefined; dispose(): void } {
  const signals = batch.map((w) => w.signal);
  if (signals.some((s) => s === undefined)) return { signal: undefined, dispose: () => {} };
  const ctl = new AbortController();
  let left = signals.length;
  const listeners: [AbortSignal, () => void][] = [];
  for (const s of signals as AbortSignal[]) {
    const one = () => {
      if (--left === 0) ctl.abort(s.reason);
    };
    if (s.aborted) one();
    else {
      s.addEventListener('abort', one, { once: true });
      listeners.push([s, one]);
    }
  }
  return {
    signal: ctl.signal,
    dispose: () => {
      for (const [s, one] of listeners) s.removeEventListener('abort', one);
    },
  };
}

function aborted(): ApiError {
  return new ApiError('E_API_ABORTED', 'the Message-Id lookup was aborted', { retryable: false });
}

/** Statuses that say the batched filter or its length was refused, not that the API is down. */
const BATCH_REFUSED: ReadonlySet<number> = new Set([400, 404, 414]);

/** Mails per batched lookup at most. */
export const FIND_BATCH_MAX_MAILS = 16;
/**
 * The filter's share of the query string at most: IIS, which SuperOffice runs on, refuses a query
 * string over 2,048 bytes by default (requestFiltering/requestLimits maxQueryString, answered 404.15).
 */
export const FIND_BATCH_MAX_QUERY_BYTES = 1_800;
