import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { extensionOf, isBlockedExtension } from '../attachments/names.js';
import { DEFAULT_BLOCK_EXTENSIONS } from '../attachments/policy.js';
import type { FaultKind } from './faults.js';
import { type ApiAnswer, type ApiRequest, notFound, parseBody, soError } from './routes.js';
import type { SandboxStore } from './store.js';

/**
 * The attachment routes (superoffice-api.md, "Attachments"): create a row, stream its content,
 * connect rows to a message, list a message's attachments. Same error shape as every other route.
 */

/** Largest content accepted; the body is hashed as it streams in, never held. */
export const SANDBOX_MAX_CONTENT_BYTES = 2 * 1024 * 1024 * 1024;

const CONTENT_ROUTE = /^\/attachment\/(\d+)\/content$/i;

/** The attachment id when the request is `POST /Attachment/{id}/Content` (served by receiveContent). */
export function contentRoute(method: string, path: string): number | undefined {
  if (method !== 'POST') return undefined;
  const m = CONTENT_ROUTE.exec(path);
  return m ? Number(m[1]) : undefined;
}

/** The attachment info the message list answers with (IsSafeFileExtension from the block list). */
function info(store: SandboxStore, id: number): Record<string, unknown> | undefined {
  const a = store.attachments.get(id);
  if (!a) return undefined;
  return {
    ...store.renderAttachment(a),
    IsSafeFileExtension: !isBlockedExtension(extensionOf(a.Name), DEFAULT_BLOCK_EXTENSIONS),
  };
}

/**
 * `/Attachment...` and `/TicketMessage/{id}/Attachment[/Noninline]`; undefined for any other path
 * (the caller routes it). The content upload is not here: it streams (receiveContent).
 */
export function attachmentRoute(store: SandboxStore, req: ApiRequest): ApiAnswer | undefined {
  const parts = req.path.split('/').filter(Boolean);
  const resource = parts[0]?.toLowerCase();
  const id = parts[1] !== undefined && /^\d+$/.test(parts[1]) ? Number(parts[1]) : undefined;

  if (resource === 'attachment') {
    if (req.method === 'POST' && parts.length === 1) return createAttachment(store, req);
    if (req.method === 'GET' && id !== undefined && parts.length === 2) {
      const a = store.attachments.get(id);
      return a ? { status: 200, body: store.renderAttachment(a) } : notFound(`Attachment ${id}`);
    }
    return notFound(`Route ${req.method} /api/v1${req.path}`);
  }
  if (resource !== 'ticketmessage' || parts[2]?.toLowerCase() !== 'attachment') return undefined;
  if (id === undefined) return notFound(`Route ${req.method} /api/v1${req.path}`);
  const which = parts[3]?.toLowerCase();
  if (parts.length > 4 || (which !== undefined && which !== 'noninline')) {
    return notFound(`Route ${req.method} /api/v1${req.path}`);
  }
  if (!store.messages.has(id)) return notFound(`TicketMessage ${id}`);
  if (req.method === 'GET') {
    const ids = store.messageAttachments.get(id) ?? [];
    const list = ids.map((a) => info(store, a)!).filter((a) => which === undefined || a.InlineImage !== true);
    return { status: 200, body: list };
  }
  if (req.method === 'POST' && which === undefined) {
    const b = parseBody(req);
    if (!b.ok) return b.answer;
    const ids = b.value;
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => Number.isInteger(x) && x > 0)) {
      return soError(400, 'ArgumentException', 'Expected a non-empty array of attachment ids');
    }
    const unknown = (ids as number[]).filter((x) => !store.attachments.has(x));
    if (unknown.length) return notFound(`Attachment ${unknown.join(', ')}`);
    store.connectAttachments(id, ids as number[]);
    return { status: 204 };
  }
  return notFound(`Route ${req.method} /api/v1${req.path}`);
}

function createAttachment(store: SandboxStore, req: ApiRequest): ApiAnswer {
  const b = parseBody(req);
  if (!b.ok) return b.answer;
  const v = (b.value ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof v.Name !== 'string' || v.Name.trim() === '')
    problems.push('Name: a non-empty string is required');
  if (v.ContentType !== undefined && typeof v.ContentType !== 'string')
    problems.push('ContentType: a string');
  if (v.AttSize !== undefined && !(Number.isInteger(v.AttSize) && (v.AttSize as number) >= 0)) {
    problems.push('AttSize: a whole number of bytes');
  }
  if (v.InlineImage !== undefined && typeof v.InlineImage !== 'boolean')
    problems.push('InlineImage: a boolean');
  if (v.ContentId !== undefined && v.ContentId !== null && typeof v.ContentId !== 'string') {
    problems.push('ContentId: a string');
  }
  if (problems.length) {
    return soError(400, 'ValidationException', `Invalid AttachmentEntity: ${problems.join('; ')}`);
  }
  store.counters.attachments++;
  const a = store.addAttachment({
    Name: v.Name as string,
    ContentType: (v.ContentType as string | undefined) || 'application/octet-stream',
    DeclaredSize: (v.AttSize as number | undefined) ?? 0,
    InlineImage: v.InlineImage === true,
    ContentId: (v.ContentId as string | null | undefined) ?? '',
    AuthKey: randomBytes(12).toString('hex'),
  });
  return { status: 200, body: store.renderAttachment(a) };
}

/**
 * `POST /Attachment/{id}/Content`: hash and count the body as it arrives (never buffered), then
 * store size and sha256, replacing earlier content. Faults act in the middle of the upload:
 * `drop-during` cuts the connection after the first chunk, `500`/`429`/`401` answer after the body
 * was read (nothing stored), `drop-after` stores it and loses the answer. Undefined: no answer (the
 * socket was destroyed).
 */
export async function receiveContent(
  store: SandboxStore,
  id: number,
  req: IncomingMessage,
  opts: { fault: FaultKind; authorized: boolean; retryAfterSeconds: number },
): Promise<{ answer: ApiAnswer; headers?: Record<string, string> } | undefined> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (opts.fault === 'drop-during') {
      req.socket.destroy();
      return undefined;
    }
    size += chunk.length;
    if (size > SANDBOX_MAX_CONTENT_BYTES) {
      req.socket.destroy();
      return undefined;
    }
    hash.update(chunk);
  }
  if (opts.fault === '500')
    return { answer: soError(500, 'SoException', 'Injected failure (sandbox fault)') };
  if (opts.fault === '429') {
    return {
      answer: soError(429, 'TooManyRequests', 'Injected rate limit (sandbox fault)'),
      headers: { 'retry-after': String(opts.retryAfterSeconds) },
    };
  }
  if (opts.fault === '400')
    return { answer: soError(400, 'ValidationException', 'Injected 400 (sandbox fault)') };
  if (opts.fault === '401' || !opts.authorized) {
    return { answer: soError(401, 'SoUnauthorizedException', 'Missing or invalid credentials') };
  }
  const a = store.attachments.get(id);
  if (!a) return { answer: notFound(`Attachment ${id}`) };
  a.size = size;
  a.sha256 = hash.digest('hex');
  a.uploads++;
  store.counters.uploads++;
  if (opts.fault === 'drop-after') {
    req.socket.destroy();
    return undefined;
  }
  return { answer: { status: 204 } };
}
