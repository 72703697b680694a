import {
  type AttachmentInfo,
  connectAttachments,
  createAttachment,
  getAttachment,
  listMessageAttachments,
  uploadAttachmentContent,
} from '../api/attachments.js';
import type { SuperOfficeClient } from '../api/client.js';
import { isApiFault, Mail2TicketError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AttachmentRecord, AttachmentStore } from '../state/attachments.js';
import type { AttachmentDecision, MailFile } from '../types.js';

export interface SyncInput {
  /** The saved ticket message. */
  ticketMessageId: number;
  /** The mail's Message-Id (kept with each record). */
  messageId: string;
  /** The mail's files, in mail order, and the decision's entries for them (same order, updated in place). */
  files: readonly MailFile[];
  decisions: AttachmentDecision[];
  /** True when the message was created by this attempt: nothing can be connected to it yet. */
  newMessage: boolean;
}

export interface SyncResult {
  /** Notes for DebugInfo: files the API refused for good. */
  failed: string[];
}

/**
 * Put a mail's allowed files on its ticket message exactly once (issue 14), after the message was
 * saved. For each file, in mail order:
 *  - already there: connected by an earlier run (our record), or on the message's list with the
 *    same name and size (SuperOffice's own import, another tool, a lost record) -> `present`;
 *  - a row recorded but not connected (a crash or fault in between): reused; its content is sent
 *    again when the row's size is wrong; then connected -> `uploaded`;
 *  - otherwise: intent recorded -> POST Attachment (the id recorded at once) -> content streamed
 *    from the spool file -> connected (recorded) -> `uploaded`.
 * A refusal of one file for good (a 400 on it) marks it `failed` with a note; the message is not
 * quarantined. Anything retryable, or an API fault, is thrown: the mail is deferred (not
 * acknowledged) and the next attempt resumes from the records.
 */
export async function syncAttachments(
  input: SyncInput,
  client: SuperOfficeClient,
  store: AttachmentStore,
  opts: { signal?: AbortSignal; logger?: Logger } = {},
): Promise<SyncResult> {
  const failed: string[] = [];
  const wanted = input.files.map((f, i) => ({ f, d: input.decisions[i]! })).filter(({ f }) => !f.refused);
  if (wanted.length === 0) return { failed };
  const records = await store.forMessage(input.ticketMessageId);
  // A message created by this attempt has nothing connected yet: no need to ask.
  let listed: AttachmentInfo[] | undefined = input.newMessage ? [] : undefined;
  const call = opts.signal ? { signal: opts.signal } : {};

  for (const { f, d } of wanted) {
    const rec = records.find((r) => r.sha256 === f.sha256 && r.name === f.name);
    if (rec?.state === 'connected') {
      d.outcome = 'present';
      if (rec.attachmentId !== undefined) d.attachmentId = rec.attachmentId;
      continue;
    }
    listed ??= await listMessageAttachments(client, input.ticketMessageId, call);
    const there = listed.find((a) => a.Name === f.name && a.AttSize === f.size);
    if (there) {
      d.outcome = 'present';
      d.attachmentId = there.AttachmentId;
      const r = record(input, f, 'connected', there.AttachmentId);
      await store.put(r);
      records.push(r);
      continue;
    }
    try {
      d.attachmentId = await putFile(input, f, rec, client, store, call);
      d.outcome = 'uploaded';
      // the same file twice in one mail is put on the message once
      records.push(record(input, f, 'connected', d.attachmentId));
    } catch (err) {
      if (
        !(err instanceof Mail2TicketError) ||
        err.retryable ||
        isApiFault(err) ||
        err.code === 'E_API_ABORTED'
      ) {
        throw err;
      }
      // Refused for good (a 400 on this file): the mail's business, noted, never a quarantine.
      d.outcome = 'failed';
      d.note = `attachment ${f.name} refused: ${err.message}`;
      failed.push(d.note);
      opts.logger?.warn({ name: f.name, code: err.code }, d.note);
    }
  }
  return { failed };
}

function record(
  input: SyncInput,
  f: MailFile,
  state: AttachmentRecord['state'],
  attachmentId?: number,
): AttachmentRecord {
  return {
    ticketMessageId: input.ticketMessageId,
    sha256: f.sha256,
    name: f.name,
    size: f.size,
    messageId: input.messageId,
    state,
    ...(attachmentId === undefined ? {} : { attachmentId }),
  };
}

async function putFile(
  input: SyncInput,
  f: MailFile,
  rec: AttachmentRecord | undefined,
  client: SuperOfficeClient,
  store: AttachmentStore,
  call: { signal?: AbortSignal },
): Promise<number> {
  if (!f.spoolPath) {
    throw new Mail2TicketError('E_STATE', `attachment ${f.name} has no spooled content`, { retryable: true });
  }
  const content = { path: f.spoolPath, size: f.size, contentType: f.contentType };
  let id = rec?.attachmentId;
  let needsContent = true;
  if (id !== undefined) {
    // A row from an earlier attempt: reuse it, unless SuperOffice no longer has it.
    const row = await getAttachment(client, id, call);
    if (!row) id = undefined;
    else needsContent = rec?.state === 'created' || row.AttSize !== f.size;
  }
  if (id === undefined) {
    await store.put(record(input, f, 'intent'));
    const created = await createAttachment(
      client,
      {
        Name: f.name,
        ContentType: f.contentType,
        AttSize: f.size,
        InlineImage: f.contentId !== undefined,
        ...(f.contentId ? { ContentId: f.contentId } : {}),
      },
      call,
    );
    id = created.AttachmentId;
    await store.put(record(input, f, 'created', id));
  }
  if (needsContent) {
    await uploadAttachmentContent(client, id, content, call);
    await store.put(record(input, f, 'uploaded', id));
  }
  await connectAttachments(client, input.ticketMessageId, [id], call);
  await store.put(record(input, f, 'connected', id));
  return id;
}
