import type { ThreadApi } from '../thread/resolver.js';
import type { SuperOfficeClient } from './client.js';

/**
 * Threading's API lookups (src/thread/resolver.ts) served by the SuperOffice client: find a message
 * by Message-Id (both spellings, Slim values parsed) and follow merges to the surviving ticket.
 * Errors propagate: a retryable one defers the mail rather than threading it blind.
 */
export function threadApiFor(client: SuperOfficeClient, opts: { signal?: AbortSignal } = {}): ThreadApi {
  const signal = opts.signal;
  return {
    async findMessage(messageId) {
      const match = (await client.findTicketMessagesByMessageId(messageId, { signal }))[0];
      if (!match) return undefined;
      // Slim rows may lack a usable ticketId; the entity has it.
      const ticketId =
        match.ticketId ??
        (await client.getTicketMessage(match.ticketMessageId, { signal, select: ['EjMessageId', 'Ticket'] }))
          .Ticket?.TicketId;
      return ticketId === undefined ? undefined : { ticketMessageId: match.ticketMessageId, ticketId };
    },
    async resolveTicket(ticketId) {
      const surviving = await client.resolveTicketId(ticketId, { signal });
      return surviving === undefined ? undefined : { ticketId: surviving };
    },
  };
}
