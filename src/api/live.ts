import { type ErrorSummary, isApiFault, Mail2TicketError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { bareMessageIdSpelling } from '../message-id.js';
import type { ApplyResult } from '../pipeline.js';
import {
  MAPPER_OWNED_FIELDS,
  type MappedPayload,
  type TicketMessageEntity,
  type TicketMessageRequest,
} from '../schema/entity.js';
import { syncAttachments } from '../attachments/sync.js';
import { MAX_DEBUG_INFO_CHARS } from '../map/debug-info.js';
import type { AttachmentStore } from '../state/attachments.js';
import type { Decision, MailFile } from '../types.js';
import type { SuperOfficeClient } from './client.js';
import type { OnUnmatched } from './config-schema.js';

export type LiveOutcome = ApplyResult['outcome'];

export interface LiveResult {
  outcome: LiveOutcome;
  /** EjMessageId of the updated or created ticket message. */
  entityId?: number;
  /** The ticket the message sits on afterwards. */
  ticketId?: number;
  error?: ErrorSummary;
}

export interface LiveOptions {
  onUnmatched: OnUnmatched;
  /** Where uploads are recorded (attachments.mode `upload`); absent: files are not uploaded. */
  attachments?: AttachmentStore;
  signal?: AbortSignal;
  logger?: Logger;
}

/** Fields of a response that describe rights and links, not data; not sent back on PUT. */
const RESPONSE_ONLY_FIELDS = ['TableRight', 'FieldProperties', '_Links'] as const;
/** Fields asked back from PUT/POST: all the flow needs, and it keeps large bodies off the wire twice. */
const SAVE_SELECT = ['EjMessageId', 'Ticket'];

/**
 * The entity to PUT: what the server has, with the fields the mapper owns replaced by the mail's.
 * PUT replaces the whole entity, so everything else (CreatedBy, TimeSpent, Person, ExtraFields,
 * CustomFields, fields this tool does not know) is sent back exactly as it came.
 */
export function overlayEntity(
  current: TicketMessageEntity,
  payload: MappedPayload,
  moveToTicket?: number,
): TicketMessageRequest {
  const out: Record<string, unknown> = { ...current };
  for (const f of RESPONSE_ONLY_FIELDS) delete out[f];
  for (const f of MAPPER_OWNED_FIELDS) {
    if (f === 'Ticket') continue; // threading decides the ticket, below
    if (payload[f] !== undefined) out[f] = payload[f];
  }
  // Keep the stored spelling of an equal Message-Id (with or without brackets): it is the match key.
  if (
    current.MessageId &&
    bareMessageIdSpelling(current.MessageId) === bareMessageIdSpelling(payload.MessageId)
  ) {
    out.MessageId = current.MessageId;
  }
  if (moveToTicket !== undefined) out.Ticket = { TicketId: moveToTicket };
  out.EjMessageId = current.EjMessageId;
  return out as TicketMessageRequest;
}

/** A new message: the server's defaults, the mail's fields, the ticket threading found. */
export function newEntity(
  defaults: TicketMessageEntity | null,
  payload: MappedPayload,
  ticketId: number,
): TicketMessageRequest {
  const base = defaults ?? ({ EjMessageId: 0 } as TicketMessageEntity);
  const out = overlayEntity({ ...base, EjMessageId: 0 }, payload, ticketId);
  out.MessageId = payload.MessageId;
  return out;
}

function fail(err: unknown): LiveResult {
  if (!(err instanceof Mail2TicketError)) throw err; // a bug, not an API answer: let the pipeline see it
  const { status: _status, ...error } = err.toJSON();
  // An API or configuration fault (issue 13 §2) or an interrupted run says nothing about the mail:
  // it is held (deferred, with `scope: 'api'` for the caller to stop or pause), never quarantined.
  const notTheMailsFault = err.code === 'E_API_ABORTED' || isApiFault(err);
  return { outcome: err.retryable || notTheMailsFault ? 'deferred' : 'quarantined', error };
}

/**
 * The live flow for one mapped mail:
 *  1. find the ticket message whose MessageId is the mail's Message-Id;
 *  2. found: GET it, overlay the mapper's fields, move it when threading chose another (live) ticket,
 *     PUT it whole -> updated / re-threaded;
 *  3. not found: onUnmatched defer (deferred), create (POST on threading's ticket -> created, or
 *     quarantined without one), skip (skipped);
 *  4. permanent API errors -> quarantined with the API's message; retryable ones that outlast the
 *     retry budget -> deferred, never done.
 */
export async function applyLive(
  input: { payload: MappedPayload; decision: Decision; files?: readonly MailFile[] },
  client: SuperOfficeClient,
  opts: LiveOptions,
): Promise<LiveResult> {
  const { payload, decision } = input;
  const signal = opts.signal;
  const log = (opts.logger ?? silentLogger()).child({ messageId: payload.MessageId });
  const wantedTicket = decision.thread.ticketId ?? payload.Ticket?.TicketId;
  try {
    const matches = await client.findTicketMessagesByMessageId(payload.MessageId, { signal });
    const first = matches[0];
    if (first) {
      if (matches.length > 1) {
        log.warn(
          { ids: matches.map((m) => m.ticketMessageId) },
          'several ticket messages carry this Message-Id; updating the oldest',
        );
      }
      const current = await client.getTicketMessage(first.ticketMessageId, { signal });
      const currentTicket = current.Ticket?.TicketId ?? first.ticketId;
      let target = currentTicket;
      if (wantedTicket !== undefined && wantedTicket !== currentTicket) {
        // Threading's index may predate a merge: follow it to the surviving ticket.
        const resolved = await client.resolveTicketId(wantedTicket, { signal });
        if (resolved === undefined) {
          log.warn(
            { wantedTicket, currentTicket },
            'threading chose a ticket that does not exist; not moving',
          );
        } else target = resolved;
      }
      const move = target !== undefined && target !== currentTicket ? target : undefined;
      const saved = await client.putTicketMessage(
        first.ticketMessageId,
        overlayEntity(current, payload, move),
        { signal, select: SAVE_SELECT },
      );
      const result: LiveResult = {
        outcome: move === undefined ? 'updated' : 're-threaded',
        entityId: saved.EjMessageId || first.ticketMessageId,
        ticketId: saved.Ticket?.TicketId ?? target,
      };
      if (result.ticketId !== undefined) client.noteTicketAlive(result.ticketId);
      log.info({ ...result, fromTicket: currentTicket }, 'ticket message saved');
      await attach(input, result.entityId!, false, client, opts, log);
      return result;
    }

    switch (opts.onUnmatched) {
      case 'skip':
        return { outcome: 'skipped' };
      case 'defer':
        return {
          outcome: 'deferred',
          error: {
            code: 'E_UNMATCHED',
            message: `no ticket message has Message-Id ${payload.MessageId} yet`,
          },
        };
      case 'create': {
        const result = await create(payload, wantedTicket, client, signal, log);
        if (result.outcome === 'created') await attach(input, result.entityId!, true, client, opts, log);
        return result;
      }
    }
  } catch (err) {
    const result = fail(err);
    // An API fault is logged once per change of state by whoever holds the mail (gate.ts), not per mail.
    const level = isApiFault(result.error) ? 'debug' : 'warn';
    log[level]({ outcome: result.outcome, code: result.error?.code }, result.error?.message ?? 'failed');
    return result;
  }
}

/**
 * After the message was saved: its files, exactly once (src/attachments/sync.ts). Files the API
 * refused for good are added to DebugInfo with one more GET and PUT, so an agent sees why a file
 * the mail had is missing; a fault throws (the mail is deferred, the next attempt resumes).
 */
async function attach(
  input: { payload: MappedPayload; decision: Decision; files?: readonly MailFile[] },
  entityId: number,
  newMessage: boolean,
  client: SuperOfficeClient,
  opts: LiveOptions,
  log: Logger,
): Promise<void> {
  const files = input.files ?? [];
  const decisions = input.decision.attachments;
  if (!opts.attachments || files.length === 0 || !decisions) return;
  const signal = opts.signal;
  const { failed } = await syncAttachments(
    { ticketMessageId: entityId, messageId: input.payload.MessageId, files, decisions, newMessage },
    client,
    opts.attachments,
    { ...(signal ? { signal } : {}), logger: log },
  );
  if (failed.length === 0) return;
  const current = await client.getTicketMessage(entityId, { signal });
  const note = `\nattachments: ${failed.join('; ')}`;
  const before = current.DebugInfo ?? '';
  if (before.includes(note)) return;
  const out: Record<string, unknown> = { ...current };
  for (const f of RESPONSE_ONLY_FIELDS) delete out[f];
  out.DebugInfo = `${before}${note}`.slice(0, MAX_DEBUG_INFO_CHARS * 2);
  await client.putTicketMessage(entityId, out as TicketMessageRequest, { signal, select: SAVE_SELECT });
}

async function create(
  payload: MappedPayload,
  wantedTicket: number | undefined,
  client: SuperOfficeClient,
  signal: AbortSignal | undefined,
  log: Logger,
): Promise<LiveResult> {
  if (wantedTicket === undefined) {
    return {
      outcome: 'quarantined',
      error: {
        code: 'E_NO_TICKET',
        message: `no ticket message has Message-Id ${payload.MessageId} and threading found no ticket to add it to`,
      },
    };
  }
  const ticketId = await client.resolveTicketId(wantedTicket, { signal });
  if (ticketId === undefined) {
    return {
      outcome: 'quarantined',
      error: { code: 'E_NO_TICKET', message: `threading chose ticket ${wantedTicket}, which does not exist` },
    };
  }
  const defaults = await client.getDefaultTicketMessage({ signal });
  const body = newEntity(defaults, payload, ticketId);
  // A POST whose answer was lost may have created the message. Before every repeat, look again by
  // Message-Id: found means it did, and that message is the result (no duplicate).
  const saved = await client.retrying(
    async (attempt) => {
      if (attempt > 1) {
        const again = (await client.findTicketMessagesByMessageId(payload.MessageId, { signal }))[0];
        if (again) {
          log.info({ entityId: again.ticketMessageId }, 'an earlier POST had created the message');
          return { EjMessageId: again.ticketMessageId, Ticket: { TicketId: again.ticketId ?? ticketId } };
        }
      }
      return client.postTicketMessage(body, { signal });
    },
    { signal },
  );
  const result: LiveResult = {
    outcome: 'created',
    entityId: saved.EjMessageId,
    ticketId: saved.Ticket?.TicketId ?? ticketId,
  };
  client.noteTicketAlive(result.ticketId!);
  log.info(result, 'ticket message created');
  return result;
}
