import { close, createReadStream, open, read, statSync } from 'node:fs';
import { GcPacer } from '../core/gc-hint.js';
import { Mail2TicketError } from '../errors.js';
import type { CallOptions, SuperOfficeClient } from './client.js';
import { ApiError } from './errors.js';
import { parseSlimInt } from './odata.js';

/**
 * The attachment routes (superoffice-api.md, "Attachments") over the client's retry, window, auth
 * and error handling. Files go up as streams from their spool file: never read whole.
 */

/** What POST /Attachment and GET /Attachment/{id} answer, and what a message's list holds. */
export interface AttachmentInfo {
  AttachmentId: number;
  Name: string;
  ContentType: string;
  AttSize: number;
  InlineImage: boolean;
  ContentId: string;
}

export interface NewAttachment {
  Name: string;
  ContentType: string;
  AttSize: number;
  InlineImage: boolean;
  ContentId?: string;
}

function parseInfo(json: unknown, what: string): AttachmentInfo {
  const o = (json ?? {}) as Record<string, unknown>;
  const id = parseSlimInt(o.AttachmentId);
  if (id === undefined || id <= 0) {
    throw new ApiError('E_API_RESPONSE', `${what} answered without an AttachmentId`, { retryable: false });
  }
  return {
    AttachmentId: id,
    Name: typeof o.Name === 'string' ? o.Name : '',
    ContentType: typeof o.ContentType === 'string' ? o.ContentType : '',
    AttSize: parseSlimInt(o.AttSize) ?? 0,
    InlineImage: o.InlineImage === true || o.InlineImage === 'true',
    ContentId: typeof o.ContentId === 'string' ? o.ContentId : '',
  };
}

/**
 * Create an attachment row. Not idempotent: repeated only when the request surely never arrived
 * (the client's rule for POST); the caller records the id it gets before anything else.
 */
export function createAttachment(
  client: SuperOfficeClient,
  att: NewAttachment,
  o: CallOptions = {},
): Promise<AttachmentInfo> {
  return client.call({
    method: 'POST',
    path: '/api/v1/Attachment',
    body: { ...att, ContentId: att.ContentId ?? '' },
    idempotent: false,
    route: 'collection',
    parse: parseInfo,
    signal: o.signal,
  });
}

/** GET /Attachment/{id}; undefined when the row is gone (404). */
export async function getAttachment(
  client: SuperOfficeClient,
  id: number,
  o: CallOptions = {},
): Promise<AttachmentInfo | undefined> {
  try {
    return await client.call({
      method: 'GET',
      path: `/api/v1/Attachment/${id}`,
      idempotent: true,
      route: 'entity',
      parse: parseInfo,
      signal: o.signal,
    });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * Upload (or replace) an attachment's content, streamed from `path`. Idempotent: the content
 * replaces what was there, so a broken upload is simply sent again.
 */
export async function uploadAttachmentContent(
  client: SuperOfficeClient,
  id: number,
  file: { path: string; size: number; contentType: string },
  o: CallOptions = {},
): Promise<void> {
  let size: number;
  try {
    size = statSync(file.path).size;
  } catch (err) {
    // The spool file is ours: gone means the state directory was cleaned under us.
    throw new Mail2TicketError(
      'E_STATE',
      `the spooled file ${file.path} is gone: ${(err as Error).message}`,
      {
        retryable: true,
        cause: err,
      },
    );
  }
  if (size !== file.size) {
    throw new Mail2TicketError(
      'E_STATE',
      `the spooled file ${file.path} has ${size} bytes, not ${file.size}`,
      {
        retryable: true,
      },
    );
  }
  await client.call({
    method: 'POST',
    path: `/api/v1/Attachment/${id}/Content`,
    stream: {
      open: () => pacedReadStream(file.path),
      contentType: file.contentType || 'application/octet-stream',
      length: size,
    },
    idempotent: true,
    route: 'entity',
    parse: () => undefined,
    signal: o.signal,
  });
}

/** Connect attachment rows to a message. Idempotent: connecting twice keeps one link. */
export async function connectAttachments(
  client: SuperOfficeClient,
  messageId: number,
  ids: number[],
  o: CallOptions = {},
): Promise<void> {
  await client.call({
    method: 'POST',
    path: `/api/v1/TicketMessage/${messageId}/Attachment`,
    body: ids,
    idempotent: true,
    route: 'entity',
    parse: () => undefined,
    signal: o.signal,
  });
}

/** The attachments connected to a message (inline ones included). */
export function listMessageAttachments(
  client: SuperOfficeClient,
  messageId: number,
  o: CallOptions = {},
): Promise<AttachmentInfo[]> {
  return client.call({
    method: 'GET',
    path: `/api/v1/TicketMessage/${messageId}/Attachment`,
    idempotent: true,
    route: 'entity',
    parse: (json, what) => {
      if (json === null) return [];
      if (!Array.isArray(json)) {
        throw new ApiError('E_API_RESPONSE', `${what} answered with something other than a list`, {
          retryable: false,
        });
      }
      return json.map((x) => parseInfo(x, what));
    },
    signal: o.signal,
  });
}

/**
 * The spool file as a read stream that hints a minor GC as it goes (core/gc-hint.ts): each chunk is
 * a fresh 64 KiB Buffer that is garbage once the socket wrote it. The hook is ReadStream's own `fs`
 * option (its read function is called once per chunk), so the stream stays the plain ReadStream.
 */
function pacedReadStream(path: string) {
  const pacer = new GcPacer();
  return createReadStream(path, {
    fs: {
      open,
      close,
      read: (
        fd: number,
        buf: Buffer,
        off: number,
        len: number,
        pos: number | null,
        cb: (err: NodeJS.ErrnoException | null, bytesRead: number, buf: Buffer) => void,
      ) =>
        read(fd, buf, off, len, pos, (err, n, b) => {
          if (!err) pacer.add(n);
          cb(err, n, b);
        }),
    },
  });
}
