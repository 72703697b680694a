/**
 * The message index: what is known about Message-Ids, tickets and processed mail.
 *
 * It is a cache of what the SuperOffice API knows plus a record of what this pipeline processed,
 * so losing it costs API lookups (and re-applying mails, which is an idempotent PUT), never mail.
 * The interface is async and small on purpose: the SQLite store (one daemon) and a PostgreSQL
 * store (several daemons sharing many mailboxes) implement it with the same portable SQL.
 *
 * All Message-Ids passed in and out are in the canonical `<id>` form (see src/message-id.ts).
 */

/**
 * Where an entry came from, strongest first. A stronger source is never replaced by a weaker one:
 *  - `processed`: a mail this pipeline threaded and applied;
 *  - `api`: a ticket message found through the API's messageId filter;
 *  - `referenced`: an id only named in another mail's In-Reply-To/References (or a bounce's
 *    original): never seen, but known to belong to that mail's thread. This is what lets a reply
 *    that arrives before its parent put the parent, when it comes, on the same thread.
 */
export type IndexSource = 'processed' | 'api' | 'referenced';

export const SOURCE_RANK: Record<IndexSource, number> = { processed: 3, api: 2, referenced: 1 };

export interface IndexedMessage {
  messageId: string;
  /**
   * The thread's provisional key: the Message-Id of its root as far as the headers tell. Used
   * when no ticket id is known (dry run, offline); provisional threads that turn out to be one
   * are joined through aliases, so this is always the resolved (current) root.
   */
  threadRoot: string;
  ticketId?: number;
  ticketMessageId?: number;
  source: IndexSource;
}

/** A ticket known to exist; `survivingId` when it was merged into another ticket. */
export interface TicketInfo {
  ticketId: number;
  survivingId?: number;
}

/** Participants are kept per ticket when the ticket is known, else per provisional thread. */
export type ThreadKey = { ticketId: number } | { threadRoot: string };

export function threadKeyString(key: ThreadKey): string {
  return 'ticketId' in key ? `ticket:${key.ticketId}` : `root:${key.threadRoot}`;
}

/** One processed mail, recorded atomically by `recordMail`. */
export interface ProcessedMail {
  messageId: string;
  threadRoot: string;
  ticketId?: number;
  ticketMessageId?: number;
  /** Sender address (compared case-insensitively; stored lower-cased). */
  from?: string;
  /** Ids this mail names (In-Reply-To, References, bounce original): recorded as `referenced`. */
  related: string[];
  /** ISO 8601; defaults to now. */
  processedAt?: string;
}

export interface MessageIndex {
  /** True for a store opened read-only (a dry run's base): every write throws E_STATE. */
  readonly readOnly: boolean;
  getMessage(messageId: string): Promise<IndexedMessage | undefined>;
  /** Upsert what a lookup learned; never downgrades the source, never blanks a known ticket id. */
  putMessage(msg: IndexedMessage): Promise<void>;
  /**
   * Record a processed mail in one transaction: the mail itself (`processed`), its related ids
   * (`referenced` when unknown), the sender as participant, the ticket as existing, the processed
   * mark, and — when the mail's id was known under another provisional root — an alias joining
   * that root to this mail's root.
   */
  recordMail(mail: ProcessedMail): Promise<void>;
  isProcessed(messageId: string): Promise<boolean>;
  /** Mark an id processed without threading data (e.g. a mail skipped by policy). */
  markProcessed(messageId: string, processedAt?: string): Promise<void>;
  getTicket(ticketId: number): Promise<TicketInfo | undefined>;
  putTicket(info: TicketInfo): Promise<void>;
  getParticipants(key: ThreadKey): Promise<string[]>;
  addParticipant(key: ThreadKey, address: string): Promise<void>;
  close(): Promise<void>;
}

/** Longest alias / merge chain followed; longer chains (or cycles) stop there. */
export const MAX_CHAIN_HOPS = 32;

/** Addresses are compared case-insensitively in practice (RFC 5321 allows otherwise; no MTA does). */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

export function parseThreadKey(key: string): ThreadKey {
  if (key.startsWith('ticket:')) return { ticketId: Number(key.slice('ticket:'.length)) };
  return { threadRoot: key.slice('root:'.length) };
}

/** The upsert rule of `putMessage`, for stores that merge in code (the overlay). */
export function mergeMessage(existing: IndexedMessage | undefined, next: IndexedMessage): IndexedMessage {
  if (!existing) return next;
  const stronger = SOURCE_RANK[next.source] >= SOURCE_RANK[existing.source] ? next : existing;
  const ticketId = next.ticketId ?? existing.ticketId;
  const ticketMessageId = next.ticketMessageId ?? existing.ticketMessageId;
  return {
    messageId: next.messageId,
    threadRoot: stronger.threadRoot,
    source: stronger.source,
    ...(ticketId === undefined ? {} : { ticketId }),
    ...(ticketMessageId === undefined ? {} : { ticketMessageId }),
  };
}
