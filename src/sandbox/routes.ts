import { TicketMessageRequestSchema } from '../schema/entity.js';
import { attachmentRoute } from './attachments.js';
import { listMessages, ODataError, parseFilter, parseSelect, parseTop, selectFields } from './odata.js';
import type { Json, SandboxStore } from './store.js';

/**
 * The WebAPI routes the sandbox serves, as a function of the store: request in, status and body out.
 * Statuses and bodies follow fixtures/spec/superoffice-api.md: SuperOffice's error shape
 * `{ Error, ErrorType, ErrorMessage, ErrorSource }`, 400 "Entity to save is not in request body" for a
 * PUT without one, 404 for unknown ids, 200 null from the Agents endpoint for an unknown ticket.
 */

export interface ApiRequest {
  method: string;
  /** Path after `/api/v1`, e.g. `/TicketMessage/12`. */
  path: string;
  query: URLSearchParams;
  /** Raw body text; undefined or empty when none was sent. */
  body: string | undefined;
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
}

export function soError(status: number, errorType: string, message: string): ApiAnswer {
  return {
    status,
    body: { Error: true, ErrorType: errorType, ErrorMessage: message, ErrorSource: 'mail2ticket sandbox' },
  };
}

export const notFound = (what: string) => soError(404, 'SoNotFoundException', `${what} not found`);

/** A JSON request body, or the 400 SuperOffice answers for a missing or unreadable one. */
export function parseBody(req: ApiRequest): { ok: true; value: unknown } | { ok: false; answer: ApiAnswer } {
  if (req.body === undefined || req.body.trim() === '') {
    return {
      ok: false,
      answer: soError(400, 'ArgumentNullException', 'Entity to save is not in request body'),
    };
  }
  try {
    return { ok: true, value: JSON.parse(req.body) };
  } catch {
    return { ok: false, answer: soError(400, 'JsonReaderException', 'Request body is not valid JSON') };
  }
}

/** Validate a PUT/POST body with the same schema the client uses; name every bad field. */
function entityBody(req: ApiRequest): { ok: true; entity: Json } | { ok: false; answer: ApiAnswer } {
  const b = parseBody(req);
  if (!b.ok) return b;
  const r = TicketMessageRequestSchema.safeParse(b.value);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, answer: soError(400, 'ValidationException', `Invalid TicketMessageEntity: ${why}`) };
  }
  return { ok: true, entity: r.data as Json };
}

function ticketOf(store: SandboxStore, entity: Json): { id?: number; answer?: ApiAnswer } {
  const t = entity.Ticket as { TicketId?: number } | null | undefined;
  if (t?.TicketId === undefined || t.TicketId === 0) return {};
  if (!store.tickets.has(t.TicketId)) {
    return { answer: soError(400, 'SoNotFoundException', `Ticket ${t.TicketId} does not exist`) };
  }
  return { id: t.TicketId };
}

export function route(store: SandboxStore, req: ApiRequest): ApiAnswer {
  const select = parseSelect(req.query.get('$select'));
  const parts = req.path.split('/').filter(Boolean);
  const [resource, idText, extra] = parts;
  const id = idText !== undefined && /^\d+$/.test(idText) ? Number(idText) : undefined;
  const attachmentAnswer = attachmentRoute(store, req);
  if (attachmentAnswer) return attachmentAnswer;

  if (resource?.toLowerCase() === 'ticketmessage') {
    if (req.method === 'GET' && idText === undefined) {
      store.counters.finds++;
      const filterText = req.query.get('$filter');
      if (!filterText) return soError(400, 'ODataException', 'the sandbox needs a $filter on the list');
      try {
        return {
          status: 200,
          body: listMessages(store, parseFilter(filterText), select, parseTop(req.query.get('$top'))),
        };
      } catch (err) {
        if (err instanceof ODataError) return soError(400, 'ODataException', err.message);
        throw err;
      }
    }
    if (req.method === 'GET' && idText?.toLowerCase() === 'default' && extra === undefined) {
      return { status: 200, body: store.defaults() };
    }
    if (req.method === 'POST' && idText === undefined) {
      const b = entityBody(req);
      if (!b.ok) return b.answer;
      const t = ticketOf(store, b.entity);
      if (t.answer) return t.answer;
      if (t.id === undefined)
        return soError(400, 'ArgumentException', 'Ticket is required for a new message');
      store.counters.posts++;
      const newId = store.addMessage(t.id, b.entity);
      return { status: 200, body: selectFields(store.renderMessage(newId)!, select) };
    }
    if (id === undefined || extra !== undefined) return notFound(`Route ${req.method} /api/v1${req.path}`);
    if (req.method === 'GET') {
      store.counters.gets++;
      const m = store.renderMessage(id);
      return m ? { status: 200, body: selectFields(m, select) } : notFound(`TicketMessage ${id}`);
    }
    if (req.method === 'PUT') {
      if (!store.messages.has(id)) return notFound(`TicketMessage ${id}`);
      const b = entityBody(req);
      if (!b.ok) return b.answer;
      if (b.entity.EjMessageId !== id) {
        return soError(
          400,
          'ArgumentException',
          `EjMessageId ${String(b.entity.EjMessageId)} does not match ${id}`,
        );
      }
      const t = ticketOf(store, b.entity);
      if (t.answer) return t.answer;
      store.counters.puts++;
      store.replaceMessage(id, b.entity, t.id);
      return { status: 200, body: selectFields(store.renderMessage(id)!, select) };
    }
    // PATCH and DELETE exist in SuperOffice but are not served here: not a route of this API.
    return notFound(`Route ${req.method} /api/v1${req.path}`);
  }

  if (
    resource?.toLowerCase() === 'ticket' &&
    req.method === 'GET' &&
    id !== undefined &&
    extra === undefined
  ) {
    const t = store.renderTicket(id);
    return t ? { status: 200, body: selectFields(t, select) } : notFound(`Ticket ${id}`);
  }

  if (req.method === 'POST' && req.path.toLowerCase() === '/agents/ticket/resolveticketid') {
    const b = parseBody(req);
    if (!b.ok) return b.answer;
    const raw = (b.value as { TicketId?: unknown } | null)?.TicketId;
    const ticketId = typeof raw === 'number' ? raw : Number(raw);
    // Agents endpoints answer a bad request with 200 and { Message, MessageDetail } (documented oddity).
    if (!Number.isInteger(ticketId)) return { status: 200, body: { Message: 'The request is invalid.' } };
    return { status: 200, body: store.resolveTicketId(ticketId) ?? null };
  }

  return notFound(`Route ${req.method} /api/v1${req.path}`);
}
