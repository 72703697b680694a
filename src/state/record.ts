import {
  type IndexedMessage,
  MAX_CHAIN_HOPS,
  normalizeAddress,
  type ProcessedMail,
  threadKeyString,
  type ThreadKey,
} from './store.js';

/**
 * The primitive operations `recordMail` is made of. Each store provides them (SQLite inside one
 * transaction, the dry-run overlay over its in-memory maps); the logic below is shared so the
 * overlay threads exactly like the real store.
 */
export interface RecordOps {
  /** Raw row (root NOT resolved through aliases). */
  rawMessage(messageId: string): Promise<IndexedMessage | undefined>;
  alias(root: string): Promise<string | undefined>;
  upsertMessage(msg: IndexedMessage, at: string): Promise<void>;
  insertMessageIfAbsent(msg: IndexedMessage, at: string): Promise<void>;
  setAlias(alias: string, root: string): Promise<void>;
  /** Copy participants of key `from` to key `to` (both in threadKeyString form). */
  copyParticipants(from: string, to: string): Promise<void>;
  addParticipant(key: string, address: string): Promise<void>;
  insertTicketIfAbsent(ticketId: number, at: string): Promise<void>;
  markProcessed(messageId: string, at: string): Promise<void>;
}

/** Follow thread aliases to the current root (bounded: a cycle or a long chain stops). */
export async function resolveRoot(ops: Pick<RecordOps, 'alias'>, root: string): Promise<string> {
  let current = root;
  for (let hop = 0; hop < MAX_CHAIN_HOPS; hop++) {
    const next = await ops.alias(current);
    if (next === undefined || next === current) return current;
    current = next;
  }
  return current;
}

/** A message with its root resolved through aliases. */
export async function lookupMessage(ops: RecordOps, messageId: string): Promise<IndexedMessage | undefined> {
  const row = await ops.rawMessage(messageId);
  if (!row) return undefined;
  return { ...row, threadRoot: await resolveRoot(ops, row.threadRoot) };
}

/**
 * Join provisional thread `from` to `to`: when a mail shows that two provisional threads are one
 * (its own id, or an id it names, was filed under another root by an earlier mail that only had
 * In-Reply-To), later mails of either must land on the same thread. Only threads without
 * conflicting ticket ids are joined: two real tickets are never merged here (that is a SuperOffice
 * merge, learned through the API).
 */
async function joinRoots(ops: RecordOps, from: string, to: string): Promise<void> {
  const target = await resolveRoot(ops, to);
  const source = await resolveRoot(ops, from);
  if (source === target) return;
  await ops.setAlias(source, target);
  await ops.copyParticipants(
    threadKeyString({ threadRoot: source }),
    threadKeyString({ threadRoot: target }),
  );
}

export async function recordMailWith(ops: RecordOps, mail: ProcessedMail): Promise<void> {
  const at = mail.processedAt ?? new Date().toISOString();
  const root = await resolveRoot(ops, mail.threadRoot);
  const compatible = (m: IndexedMessage) => m.ticketId === undefined || m.ticketId === mail.ticketId;

  const own = await lookupMessage(ops, mail.messageId);
  if (own && own.threadRoot !== root && compatible(own)) await joinRoots(ops, own.threadRoot, root);
  await ops.upsertMessage(
    {
      messageId: mail.messageId,
      threadRoot: root,
      source: 'processed',
      ...(mail.ticketId === undefined ? {} : { ticketId: mail.ticketId }),
      ...(mail.ticketMessageId === undefined ? {} : { ticketMessageId: mail.ticketMessageId }),
    },
    at,
  );

  for (const id of mail.related) {
    if (id === mail.messageId) continue;
    const known = await lookupMessage(ops, id);
    if (!known) {
      await ops.insertMessageIfAbsent(
        {
          messageId: id,
          threadRoot: root,
          source: 'referenced',
          ...(mail.ticketId === undefined ? {} : { ticketId: mail.ticketId }),
        },
        at,
      );
    } else if (known.threadRoot !== root && compatible(known)) {
      await joinRoots(ops, known.threadRoot, root);
    }
  }

  const key: ThreadKey = mail.ticketId === undefined ? { threadRoot: root } : { ticketId: mail.ticketId };
  if (mail.ticketId !== undefined) await ops.insertTicketIfAbsent(mail.ticketId, at);
  if (mail.from && mail.from.trim().length > 0) {
    await ops.addParticipant(threadKeyString(key), normalizeAddress(mail.from));
  }
  await ops.markProcessed(mail.messageId, at);
}
