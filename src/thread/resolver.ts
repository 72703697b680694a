import { MAX_CHAIN_HOPS, type IndexSource, type MessageIndex } from '../state/store.js';

/**
 * Lookups threading needs, behind one interface so that `threadMail` stays pure logic.
 * The index answers first; in live mode the API answers what the index does not know, and what
 * it says is written back (in a dry run the index is the in-memory overlay, so nothing persists).
 */

/** A message known to the index or the API. `ticketId` is as recorded (not merge-resolved). */
export interface KnownMessage {
  ticketId?: number;
  ticketMessageId?: number;
  /** The provisional thread key (see ThreadDecision.threadRoot). */
  threadRoot: string;
  source: IndexSource;
}

export interface ResolvedTicket {
  /** The surviving ticket id after merges. */
  ticketId: number;
  /** Lower-cased sender addresses that took part; undefined when unknown. */
  participants?: string[];
}

/** API lookups a single mail may still make; decremented by the resolver for every remote call. */
export interface LookupBudget {
  remaining: number;
}

export interface ThreadResolver {
  /** Index first, then (budget permitting) the API. Pass `{ remaining: 0 }` for index-only. */
  findMessage(messageId: string, budget?: LookupBudget): Promise<KnownMessage | undefined>;
  /** The surviving ticket when ticketId exists (merged tickets resolve), else undefined. */
  resolveTicket(ticketId: number, budget?: LookupBudget): Promise<ResolvedTicket | undefined>;
  /** Participants of a provisional thread (no ticket yet); undefined when unknown. */
  threadParticipants(threadRoot: string): Promise<string[] | undefined>;
}

/** What the live flow supplies (the API client's messageId filter and ResolveTicketId). */
export interface ThreadApi {
  /**
   * Find the ticket message with this Message-Id (canonical `<id>` form; SuperOffice may store
   * it with or without brackets, so the client should try both).
   */
  findMessage?(messageId: string): Promise<{ ticketMessageId: number; ticketId: number } | undefined>;
  /** The surviving ticket id (POST /api/v1/Agents/Ticket/ResolveTicketId); undefined: no such ticket. */
  resolveTicket?(ticketId: number): Promise<{ ticketId: number } | undefined>;
  /** Sender addresses on a ticket, when the client can tell (optional). */
  participants?(ticketId: number): Promise<string[] | undefined>;
}

export interface ResolverOptions {
  index: MessageIndex;
  /** Absent in a dry run without API access and offline replays. */
  api?: ThreadApi;
}

function spend(budget: LookupBudget | undefined): boolean {
  if (!budget || budget.remaining <= 0) return false;
  budget.remaining--;
  return true;
}

/**
 * Resolver over the message index and an optional API. API errors propagate (a retryable
 * Mail2TicketError defers the mail): threading without an API that should have answered would
 * put replies on new tickets, which is the complaint this module exists to prevent.
 */
export function createResolver(opts: ResolverOptions): ThreadResolver {
  const { index, api } = opts;

  async function ticketFromIndex(ticketId: number): Promise<number | undefined> {
    let current = ticketId;
    const seen = new Set<number>();
    for (let hop = 0; hop < MAX_CHAIN_HOPS; hop++) {
      const t = await index.getTicket(current);
      if (!t) return hop === 0 ? undefined : current;
      if (t.survivingId === undefined || t.survivingId === current || seen.has(t.survivingId)) return current;
      seen.add(current);
      current = t.survivingId;
    }
    return current;
  }

  return {
    async findMessage(messageId, budget) {
      const local = await index.getMessage(messageId);
      if (local) return local;
      if (!api?.findMessage || !spend(budget)) return undefined;
      const hit = await api.findMessage(messageId);
      // Not found is not cached: SuperOffice may import that mail a minute from now.
      if (!hit) return undefined;
      await index.putMessage({
        messageId,
        threadRoot: messageId,
        ticketId: hit.ticketId,
        ticketMessageId: hit.ticketMessageId,
        source: 'api',
      });
      await index.putTicket({ ticketId: hit.ticketId });
      return (await index.getMessage(messageId)) ?? { ...hit, threadRoot: messageId, source: 'api' };
    },

    async resolveTicket(ticketId, budget) {
      let surviving: number | undefined;
      if (api?.resolveTicket && spend(budget)) {
        // Ask the API even when the index knows the ticket: a merge may have happened since.
        const r = await api.resolveTicket(ticketId);
        if (!r) return undefined;
        surviving = r.ticketId;
        await index.putTicket({ ticketId: surviving });
        await index.putTicket(surviving === ticketId ? { ticketId } : { ticketId, survivingId: surviving });
      } else {
        surviving = await ticketFromIndex(ticketId);
        if (surviving === undefined) return undefined;
      }
      const known = new Set(await index.getParticipants({ ticketId: surviving }));
      if (api?.participants)
        for (const a of (await api.participants(surviving)) ?? []) known.add(a.toLowerCase());
      return known.size > 0 ? { ticketId: surviving, participants: [...known] } : { ticketId: surviving };
    },

    async threadParticipants(threadRoot) {
      const list = await index.getParticipants({ threadRoot });
      return list.length > 0 ? list : undefined;
    },
  };
}
