import {
  type IndexedMessage,
  MAX_CHAIN_HOPS,
  normaliseAddress,
  type ProcessedMail,
  type ThreadKey,
  threadKeyString,
} from './store.js';

/**
 * The logic of `recordMail` and of alias-resolving lookups, written once for every store.
 *
 * It is a generator of steps, each step a call on the store's primitive operations, so that one
 * piece of logic can be driven two ways:
 *  - synchronously (SQLite, `runSync`): the whole recordMail runs inside one transaction without
 *    ever yielding to the event loop. Holding a SQLite write transaction across an `await` lets
 *    another connection in the same process start `BEGIN IMMEDIATE`, whose busy-wait blocks the
 *    event loop while the first transaction can never commit: a deadlock until busy_timeout
 *    (found by the two-connection test in test/state-sqlite.test.ts);
 *  - asynchronously (the dry-run overlay over an async base, `runAsync`; a PostgreSQL store).
 */

type MaybePromise<T> = T | Promise<T>;

export interface RecordOps {
  /** Raw row (root NOT resolved through aliases). */
  rawMessage(messageId: string): MaybePromise<IndexedMessage | undefined>;
  alias(root: string): MaybePromise<string | undefined>;
  upsertMessage(msg: IndexedMessage, at: string): MaybePromise<void>;
  insertMessageIfAbsent(msg: IndexedMessage, at: string): MaybePromise<void>;
  setAlias(alias: string, root: string): MaybePromise<void>;
  /** Copy participants of key `from` to key `to` (both in threadKeyString form). */
  copyParticipants(from: string, to: string): MaybePromise<void>;
  addParticipant(key: string, address: string): MaybePromise<void>;
  insertTicketIfAbsent(ticketId: number, at: string): MaybePromise<void>;
  markProcessed(messageId: string, at: string): MaybePromise<void>;
}

type Step = (ops: RecordOps) => unknown;
export type Steps<T> = Generator<Step, T, unknown>;

function* call<T>(step: (ops: RecordOps) => MaybePromise<T>): Steps<T> {
  return (yield step) as T;
}

/** Drive steps with operations that answer synchronously (a promise here is a programming error). */
export function runSync<T>(steps: Steps<T>, ops: RecordOps): T {
  let r = steps.next();
  while (!r.done) {
    const value = r.value(ops);
    if (value instanceof Promise) throw new Error('runSync: an operation returned a promise');
    r = steps.next(value);
  }
  return r.value;
}

export async function runAsync<T>(steps: Steps<T>, ops: RecordOps): Promise<T> {
  let r = steps.next();
  while (!r.done) r = steps.next(await r.value(ops));
  return r.value;
}

/** Follow thread aliases to the current root (bounded: a cycle or a long chain stops). */
export function* resolveRoot(root: string): Steps<string> {
  let current = root;
  for (let hop = 0; hop < MAX_CHAIN_HOPS; hop++) {
    const next = yield* call((o) => o.alias(current));
    if (next === undefined || next === current) return current;
    current = next;
  }
  return current;
}

/** A message with its root resolved through aliases. */
export function* lookupMessage(messageId: string): Steps<IndexedMessage | undefined> {
  const row = yield* call((o) => o.rawMessage(messageId));
  if (!row) return undefined;
  return { ...row, threadRoot: yield* resolveRoot(row.threadRoot) };
}

/**
 * Join provisional thread `from` to `to`: when a mail shows that two provisional threads are one
 * (its own id, or an id it names, was filed under another root by an earlier mail that only had
 * In-Reply-To), later mails of either must land on the same thread. The caller only joins
 * threads without conflicting ticket ids: two real tickets are never merged here (that is a
 * SuperOffice merge, learned through the API).
 */
function* joinRoots(from: string, to: string): Steps<void> {
  const target = yield* resolveRoot(to);
  const source = yield* resolveRoot(from);
  if (source === target) return;
  yield* call((o) => o.setAlias(source, target));
  yield* call((o) =>
    o.copyParticipants(threadKeyString({ threadRoot: source }), threadKeyString({ threadRoot: target })),
  );
}

export function* recordMailSteps(mail: ProcessedMail): Steps<void> {
  const at = mail.processedAt ?? new Date().toISOString();
  const root = yield* resolveRoot(mail.threadRoot);
  const compatible = (m: IndexedMessage) => m.ticketId === undefined || m.ticketId === mail.ticketId;
  const ticket = mail.ticketId === undefined ? {} : { ticketId: mail.ticketId };

  const own = yield* lookupMessage(mail.messageId);
  if (own && own.threadRoot !== root && compatible(own)) yield* joinRoots(own.threadRoot, root);
  const self: IndexedMessage = {
    messageId: mail.messageId,
    threadRoot: root,
    source: 'processed',
    ...ticket,
    ...(mail.ticketMessageId === undefined ? {} : { ticketMessageId: mail.ticketMessageId }),
  };
  yield* call((o) => o.upsertMessage(self, at));

  for (const id of mail.related) {
    if (id === mail.messageId) continue;
    const known = yield* lookupMessage(id);
    if (!known) {
      const entry: IndexedMessage = { messageId: id, threadRoot: root, source: 'referenced', ...ticket };
      yield* call((o) => o.insertMessageIfAbsent(entry, at));
    } else if (known.threadRoot !== root && compatible(known)) {
      yield* joinRoots(known.threadRoot, root);
    }
  }

  const key: ThreadKey = mail.ticketId === undefined ? { threadRoot: root } : { ticketId: mail.ticketId };
  if (mail.ticketId !== undefined) {
    const ticketId = mail.ticketId;
    yield* call((o) => o.insertTicketIfAbsent(ticketId, at));
  }
  const from = mail.from?.trim();
  if (from) yield* call((o) => o.addParticipant(threadKeyString(key), normaliseAddress(from)));
  yield* call((o) => o.markProcessed(mail.messageId, at));
}
