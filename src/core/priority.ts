import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The place of the work being done in the order it was started: the mail's sequence number in its
 * MailOrder (src/pipeline.ts), carried through every await to the API client's request window
 * (src/api/window.ts), which serves waiting requests oldest mail first.
 *
 * Why: replay yields results in source order and a mail threads after the earlier mails it depends
 * on, so an old mail that waits for a request slot holds up every newer one behind it. With the
 * window serving requests in arrival order, the bench's live drain (issue 13) had the oldest mail
 * queue behind the requests of up to 15 newer ones: the window stood at 8 requests with 4 waiting
 * for a while, then dropped to 1 or 2 in flight while the whole replay waited for that one mail.
 * Oldest first is what an HTTP/2 client's stream priorities (RFC 9218) or a database's lock queue
 * would do for the same reason.
 */
const current = new AsyncLocalStorage<number>();

/** Run `fn` (and everything it awaits) as the work of place `seq`; lower places are served first. */
export function withPriority<T>(seq: number, fn: () => T): T {
  return current.run(seq, fn);
}

/** The current work's place, or Infinity for work that belongs to no place (probes, start-up). */
export function currentPriority(): number {
  return current.getStore() ?? Number.POSITIVE_INFINITY;
}
