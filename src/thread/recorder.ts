import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { MessageIndex } from '../state/store.js';
import type { ThreadDecision } from '../types.js';
import { bracketedMessageId } from '../message-id.js';
import { relatedIds, type ThreadInput } from './thread.js';

/** What applying the mail established (live mode): the ticket it is now on and its message id. */
export interface Applied {
  ticketId?: number;
  ticketMessageId?: number;
}

/**
 * Record a threaded (and, live, applied) mail in the index: the pipeline's last step, after the
 * API accepted the mail (so a crash before it means a repeat PUT, never a lost mail). In a dry
 * run `index` is the overlay, so the next mail of the replay threads against this one.
 */
export async function recordThreaded(
  index: MessageIndex,
  input: ThreadInput,
  decision: ThreadDecision,
  applied: Applied = {},
  limits: Pick<Limits, 'maxReferences'> = DEFAULT_LIMITS,
): Promise<void> {
  const messageId = bracketedMessageId(input.messageId);
  if (!messageId) return;
  const ticketId = applied.ticketId ?? decision.ticketId;
  await index.recordMail({
    messageId,
    threadRoot: decision.threadRoot ?? messageId,
    ...(ticketId === undefined ? {} : { ticketId }),
    ...(applied.ticketMessageId === undefined ? {} : { ticketMessageId: applied.ticketMessageId }),
    ...(input.from ? { from: input.from } : {}),
    related: relatedIds(input, decision, limits),
  });
}

/** Duplicate check by Message-Id: the pipeline asks before applying (a duplicate is not applied twice). */
export async function isDuplicate(index: MessageIndex, messageId: string): Promise<boolean> {
  const id = bracketedMessageId(messageId);
  return id !== undefined && (await index.isProcessed(id));
}
