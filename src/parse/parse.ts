import { Readable, Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type AttachmentStream, type MailParser, type MessageText, parseAddressHeader } from 'mailparser';
import { safeName } from '../attachments/names.js';
import type { AttachmentSink, FileWriter } from '../attachments/sink.js';
import { isTnefPart } from '../attachments/tnef.js';
import { TnefBuffer, unpackTnef } from '../attachments/tnef-part.js';
import { UudecodeStream } from '../attachments/uudecode.js';
import { Mail2TicketError, describeError } from '../errors.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { CapturedPart, InlineImage, MailAddress, MailFile, MimePartInfo, ParsedMail } from '../types.js';
import { toMailAddress, toMailAddresses } from './addresses.js';
import { runChain } from './chain.js';
import { parseMailDate, receivedDate } from './date.js';
import {
  bytesToText,
  decodeFields,
  findHeaderEnd,
  headerValue,
  headerValues,
  splitHeaderFields,
} from './header-block.js';
import { LineEndingNormaliser } from './line-endings.js';
import { createMailParser, type DrainHook } from './mailparser-options.js';

/**
 * Parts whose text the classifier reads: RFC 3464 / RFC 6533 delivery status, RFC 5965 feedback
 * reports, RFC 8098 disposition notifications, and the returned message's headers
 * (text/rfc822-headers from RFC 6522, or the head of an attached message/rfc822).
 */
const CAPTURED_TYPES = new Set([
  'message/delivery-status',
  'message/global-delivery-status',
  'text/rfc822-headers',
  'message/global-headers',
  'message/feedback-report',
  'message/disposition-notification',
  'message/global-disposition-notification',
  'message/rfc822',
  'message/global',
]);

/** Report parts that are also files of the mail (a forwarded or returned message, as `.eml`). */
const MESSAGE_TYPES = new Set(['message/rfc822', 'message/global']);

export interface ParseOptions {
  limits?: Limits;
  /**
   * Where the mail's files go (src/attachments/sink.ts): every leaf part that is not the body text
   * or HTML, a report part or (by default) an inline image shown through `cid:`, decoded and
   * written to the sink as it streams. Absent (attachments.mode `skip`): files are counted, not
   * decoded (src/parse/drain.ts).
   */
  sink?: AttachmentSink;
  /** body.inlineImages `attachments`: inline images are files too (with their Content-ID). */
  inlineImagesAsFiles?: boolean;
}

/**
 * Parse one mail: bytes in, a plain ParsedMail out. The input is streamed through mailparser's
 * MailParser; attachment content is drained as it arrives (only report parts and inline images
 * within budget are kept), so memory does not grow with attachment size.
 *
 * Throws Mail2TicketError for mail that cannot become a payload; oddities that still parse are
 * listed in `problems`.
 */
export async function parseMail(input: Buffer | Readable, options: ParseOptions = {}): Promise<ParsedMail> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const source = Buffer.isBuffer(input) ? Readable.from([input]) : input;
  const lineEndings = new LineEndingNormaliser(limits.maxHeaderBytes);
  const tap = new HeaderTap(limits);
  const collector = new Collector(limits, options);
  const parser = createMailParser(limits, collector.problems, collector.drain, collector.uudecoders);
  parser.on('data', (data: AttachmentStream | MessageText) => collector.onData(data));
  parser.on('headers', (headers: Map<string, unknown>) => {
    collector.topHeaders ??= headers;
  });

  let timedOut = false;
  try {
    await runChain([source, lineEndings, tap, parser], limits.parseTimeoutMs, () => {
      timedOut = true;
      return new Error('parse timeout');
    });
    await collector.settled();
    await collector.takeUuencodedFromText();
  } catch (err) {
    source.destroy();
    throw classifyParseError(err, tap, limits, timedOut);
  }
  if (tap.size === 0) throw new Mail2TicketError('E_MAIL_EMPTY', 'the mail is empty (0 bytes)');
  const shape = mimeShape(parser);
  if (!collector.depthExceeded && shape.depth > limits.maxMimeDepth) {
    collector.depthExceeded = `${shape.depth} levels of multipart containers`;
  }
  if (shape.unclosed > 0) {
    collector.problems.push(
      `MIME structure ended before ${shape.unclosed} multipart part(s) were closed: closing boundary missing, the mail may be truncated`,
    );
  }
  if (collector.depthExceeded) {
    throw new Mail2TicketError(
      'E_MIME_TOO_DEEP',
      `MIME structure is nested more than ${limits.maxMimeDepth} levels deep (part ${collector.depthExceeded})`,
    );
  }
  if (lineEndings.converted) {
    collector.problems.push(
      `${lineEndings.converted} bare CR line ending(s) read as CRLF${lineEndings.crOnlyBody ? ' (the mail uses CR-only lines)' : ' in the header'} (RFC 5322 2.3)`,
    );
  }
  const mail = buildParsedMail(tap, collector, limits);
  mail.size = lineEndings.bytesIn; // the size as received, before any CR became CRLF
  return mail;
}

/**
 * What mailparser does not report: how deep the MIME tree went (attachments alone do not reveal a
 * bomb of nested multiparts around a text part) and whether every multipart saw its closing
 * delimiter (RFC 2046 5.1.1; missing in truncated mail). Read from mailparser's tree and its
 * splitter's final state, which are not part of its typed API, hence the defensive access.
 */
function mimeShape(parser: MailParser): { depth: number; unclosed: number } {
  interface TreeNode {
    children?: TreeNode[];
  }
  interface SplitNode {
    multipart?: unknown;
    parentNode?: SplitNode | null;
  }
  const p = parser as unknown as {
    tree?: TreeNode | false;
    splitter?: { node?: SplitNode | null; inEpilogue?: boolean };
  };
  let depth = 0;
  const stack: [TreeNode, number][] = p.tree ? [[p.tree, 0]] : [];
  while (stack.length) {
    const [node, d] = stack.pop()!;
    if (d > depth) depth = d;
    for (const child of node.children ?? []) stack.push([child, d + 1]);
  }
  let unclosed = 0;
  const last = p.splitter?.node;
  for (let n = last; n; n = n.parentNode ?? undefined) {
    if (n.multipart && !(n === last && p.splitter?.inEpilogue)) unclosed++;
  }
  return { depth, unclosed };
}

function classifyParseError(
  err: unknown,
  tap: HeaderTap,
  limits: Limits,
  timedOut: boolean,
): Mail2TicketError {
  if (err instanceof Mail2TicketError) return err;
  if (tap.error) return tap.error;
  if (timedOut) {
    return new Mail2TicketError('E_PARSE_TIMEOUT', `parsing took longer than ${limits.parseTimeoutMs} ms`);
  }
  const message = describeError(err);
  if (/child nodes|too many/i.test(message)) {
    return new Mail2TicketError(
      'E_MIME_TOO_MANY_PARTS',
      `MIME structure has more than ${limits.maxMimeParts} parts`,
    );
  }
  if (/head|header/i.test(message) && /size|large|long|exceed/i.test(message)) {
    return new Mail2TicketError(
      'E_HEADER_TOO_LARGE',
      `a MIME part's header block is larger than ${limits.maxHeaderBytes} bytes`,
    );
  }
  return new Mail2TicketError('E_MIME_MALFORMED', `malformed MIME: ${message}`, { cause: err });
}

/**
 * How much of the body is kept aside in case the MIME structure yields nothing: a multipart whose
 * declared boundary never appears (seen from Sun Messaging Server and France Telecom's relays in
 * the bounce corpus) parses to no parts at all, and the words would otherwise be lost.
 */
export const FALLBACK_BODY_BYTES = 256 * 1024;

/**
 * Passes bytes through unchanged while counting them (maxMailBytes) and keeping a copy of the
 * top-level header block (maxHeaderBytes) and of the body's first FALLBACK_BODY_BYTES.
 */
class HeaderTap extends Transform {
  size = 0;
  error: Mail2TicketError | undefined;
  private head: Buffer[] = [];
  private headLength = 0;
  private headDone = false;
  headerBytes: Buffer = Buffer.alloc(0);
  nulBytes = false;
  private bodyParts: Buffer[] = [];
  private bodyLength = 0;

  constructor(private readonly limits: Limits) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limits.maxMailBytes) {
      this.error = new Mail2TicketError(
        'E_MAIL_TOO_LARGE',
        `the mail is larger than the limit of ${this.limits.maxMailBytes} bytes (maxMailBytes)`,
      );
      callback(this.error);
      return;
    }
    if (!this.nulBytes && chunk.includes(0)) this.nulBytes = true;
    if (!this.headDone) {
      const searchFrom = Math.max(0, this.headLength - 3);
      this.head.push(chunk);
      this.headLength += chunk.length;
      const joined = Buffer.concat(this.head);
      const end = findHeaderEnd(joined, searchFrom);
      if (end) {
        this.finishHead(joined.subarray(0, end.end));
        this.keepBody(joined.subarray(end.bodyStart));
      } else if (this.headLength > this.limits.maxHeaderBytes) {
        this.error = new Mail2TicketError(
          'E_HEADER_TOO_LARGE',
          `the header block is larger than the limit of ${this.limits.maxHeaderBytes} bytes (maxHeaderBytes)`,
        );
        callback(this.error);
        return;
      } else {
        this.head = [joined];
      }
    } else {
      this.keepBody(chunk);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    // A mail that is all header (no empty line) is legal (RFC 5322 3.5: the body is optional).
    if (!this.headDone) this.finishHead(Buffer.concat(this.head));
    callback();
  }

  /** The start of the body, for the no-parts fallback. */
  get bodyHead(): Buffer {
    return Buffer.concat(this.bodyParts);
  }

  get bodyTruncated(): boolean {
    return this.size - this.headerBytes.length > this.bodyLength + 2;
  }

  private keepBody(chunk: Buffer): void {
    if (this.bodyLength >= FALLBACK_BODY_BYTES || chunk.length === 0) return;
    // A view, not a copy: the chunk is alive while the mail parses anyway (a file read whole is one
    // chunk), and streams do not reuse a chunk once pushed. The copies were 42 MiB of the parse
    // worker's ArrayBuffers over the benchmark corpus (issue 15, tenth session).
    const slice = chunk.subarray(0, FALLBACK_BODY_BYTES - this.bodyLength);
    this.bodyParts.push(slice);
    this.bodyLength += slice.length;
  }

  private finishHead(block: Buffer): void {
    this.headDone = true;
    this.headerBytes = Buffer.from(block); // copy: do not pin the whole first chunk
    this.head = [];
  }
}

/** Receives MailParser's objects: text once at the end, attachments as streams. */
class Collector {
  text: string | undefined;
  html: string | undefined;
  parts: MimePartInfo[] = [];
  captured: CapturedPart[] = [];
  inlineImages: InlineImage[] = [];
  attachments: { filename?: string; contentType: string; size: number }[] = [];
  /** The files the sink stored (with a sink only), by slot: a TNEF part's slot holds its files. */
  files: (MailFile | MailFile[])[] = [];
  private fileSlots = 0;
  readonly uudecoders = new WeakMap<object, UudecodeStream>();
  problems: string[] = [];
  depthExceeded: string | undefined;
  /** mailparser's parsed top-level headers (addresses come from here). */
  topHeaders: Map<string, unknown> | undefined;
  private inlineBudget: number;
  private pending: Promise<void>[] = [];
  /** Attachments that are neither captured nor inline images are counted, never decoded. */
  readonly drain: DrainHook = {
    // With a sink every file is decoded for it; without one, files are only counted.
    drained: (contentType, hasContentId) =>
      !this.sink && !CAPTURED_TYPES.has(contentType) && !(hasContentId && contentType.startsWith('image/')),
    sizes: new WeakMap(),
  };
  private readonly sink: AttachmentSink | undefined;
  private readonly inlineImagesAsFiles: boolean;

  constructor(
    private readonly limits: Limits,
    options: ParseOptions = {},
  ) {
    this.inlineBudget = limits.maxInlineImageBytes;
    this.sink = options.sink;
    this.inlineImagesAsFiles = options.inlineImagesAsFiles === true;
  }

  onData(data: AttachmentStream | MessageText): void {
    if (data.type === 'text') {
      this.text = data.text;
      this.html = data.html === undefined ? undefined : String(data.html);
      return;
    }
    this.pending.push(this.onAttachment(data));
  }

  /**
   * Files uuencoded inside a text body (Pegasus, old Outlook Express and Usenet-era tools put them
   * there instead of in a MIME part): with a sink, each `begin <mode> <name>` ... `end` block is
   * decoded into a file and replaced in the text by `[attachment: <name>]`.
   */
  async takeUuencodedFromText(): Promise<void> {
    if (!this.sink || this.text === undefined) return;
    const blocks = findUuencodedBlocks(this.text);
    if (blocks.length === 0) return;
    let text = '';
    let from = 0;
    for (const b of blocks) {
      const slot = this.fileSlots++;
      const uu = new UudecodeStream();
      const writer = this.sink.open({
        name: safeName(b.name, 'application/octet-stream', slot + 1),
        contentType: 'application/octet-stream',
      });
      uu.on('data', (chunk: Buffer) => {
        void writer.write(chunk);
      });
      uu.end(Buffer.from(this.text.slice(b.start, b.end), 'latin1'));
      await finished(uu);
      const file = await writer.close();
      this.files[slot] = file;
      text += `${this.text.slice(from, b.start)}[attachment: ${file.name}]`;
      from = b.end;
      this.problems.push(`uuencoded file ${file.name} taken out of the text body`);
    }
    this.text = text + this.text.slice(from);
  }

  get sinkUsed(): boolean {
    return this.sink !== undefined;
  }

  settled(): Promise<void> {
    return Promise.all(this.pending).then(() => undefined);
  }

  private async onAttachment(att: AttachmentStream): Promise<void> {
    const contentType = (att.contentType || 'application/octet-stream').toLowerCase();
    const path = att.partId ?? '1';
    if (path.split('.').length > this.limits.maxMimeDepth && !this.depthExceeded) this.depthExceeded = path;
    const capture = CAPTURED_TYPES.has(contentType);
    const cidImage = !capture && att.cid !== undefined && contentType.startsWith('image/');
    const inlineImage = cidImage && !this.inlineImagesAsFiles;
    const keepLimit = capture ? this.limits.maxReportPartBytes : inlineImage ? this.inlineBudget : 0;
    // Which parts are files (issue 14): every leaf but the body, report parts (a returned or
    // forwarded message is one, as .eml) and inline images shown through cid: (unless asked).
    const isFile = !inlineImage && (!capture || MESSAGE_TYPES.has(contentType) || Boolean(att.filename));
    let writer: FileWriter | undefined;
    // Files are listed in mail order: a part's slot is taken when it starts (parts may finish in
    // another order: an embedded message's stream ends after the parts that follow it).
    const slot = this.sink && isFile ? this.fileSlots++ : -1;
    if (this.sink && isFile) {
      writer = this.sink.open({
        name: safeName(att.filename, contentType, slot + 1),
        contentType,
        ...(cidImage && att.cid ? { contentId: att.cid } : {}),
      });
    }
    // TNEF (winmail.dat): read whole to unpack its files (src/attachments/tnef-part.ts)
    const tnef = writer && isTnefPart(contentType, att.filename) ? new TnefBuffer() : undefined;
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let size = 0;
    try {
      for await (const chunk of att.content as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (keptBytes < keepLimit) {
          const slice = chunk.subarray(0, keepLimit - keptBytes);
          kept.push(slice);
          keptBytes += slice.length;
        }
        tnef?.add(chunk);
        if (writer) await writer.write(chunk);
      }
    } catch (err) {
      writer?.abort();
      throw err;
    } finally {
      att.release?.();
    }
    const unpacked = tnef && (await unpackTnef(tnef, this.sink!, att.filename || 'winmail.dat', slot + 1));
    if (unpacked) this.problems.push(unpacked.note);
    if (unpacked?.files) {
      writer!.abort(); // the winmail.dat itself: its files replace it
      this.files[slot] = unpacked.files;
    } else if (writer) {
      // Unnamed: a uuencoded part names itself in its `begin` line; a forwarded message is named
      // by its Subject, as Outlook and Thunderbird name one they attach.
      const given =
        this.uudecoders.get(att.headers)?.filename ??
        (MESSAGE_TYPES.has(contentType) ? subjectOf(Buffer.concat(kept)) : undefined);
      const finalName = !att.filename && given ? safeName(given, contentType, slot + 1) : undefined;
      this.files[slot] = await writer.close(finalName);
    }
    const counted = this.drain.sizes.get(att.headers);
    if (counted) size = counted.bytes;
    const info: MimePartInfo = { path, contentType, size };
    if (att.contentDisposition) info.disposition = att.contentDisposition;
    if (att.filename) info.filename = att.filename;
    if (att.cid) info.contentId = att.cid;
    this.parts.push(info);
    if (capture) {
      this.captured.push({
        contentType,
        text: bytesToText(Buffer.concat(kept)),
        truncated: size > keptBytes,
      });
      return;
    }
    if (inlineImage) {
      const image: InlineImage = { contentId: att.cid!, contentType, size };
      if (att.filename) image.filename = att.filename;
      if (size <= this.inlineBudget && keptBytes === size) {
        image.base64 = Buffer.concat(kept).toString('base64');
        this.inlineBudget -= size;
      }
      this.inlineImages.push(image);
      return;
    }
    if (cidImage && att.cid) {
      // An inline image uploaded as a file: listed (without content) so the HTML keeps its cid:.
      const image: InlineImage = { contentId: att.cid, contentType, size };
      if (att.filename) image.filename = att.filename;
      this.inlineImages.push(image);
    }
    const entry: { filename?: string; contentType: string; size: number } = { contentType, size };
    if (att.filename) entry.filename = att.filename;
    this.attachments.push(entry);
  }
}

/** The decoded Subject of an embedded message's header block (its captured head), if any. */
function subjectOf(head: Buffer): string | undefined {
  const end = findHeaderEnd(head, 0);
  const split = splitHeaderFields(bytesToText(end ? head.subarray(0, end.end) : head), 200);
  const subject = headerValue(decodeFields(split.fields), 'subject')?.trim();
  return subject || undefined;
}

/**
 * `begin <mode> <name>` ... `end` blocks on their own lines (POSIX uuencode), by a line scan:
 * offsets of each block in `text`, its end after the `end` line.
 */
function findUuencodedBlocks(text: string): { start: number; end: number; name: string }[] {
  const out: { start: number; end: number; name: string }[] = [];
  const begin = /^begin [0-7]{3,4} ([^\r\n]+)\r?$/gm;
  for (let m = begin.exec(text); m; m = begin.exec(text)) {
    const endLine = /^end[ \t]*\r?$/m;
    const rest = text.slice(m.index);
    const e = endLine.exec(rest);
    if (!e) break;
    const end = m.index + e.index + e[0].length;
    out.push({ start: m.index, end, name: m[1]!.trim() });
    begin.lastIndex = end;
  }
  return out;
}

function buildParsedMail(tap: HeaderTap, c: Collector, limits: Limits): ParsedMail {
  const problems = [...c.problems];
  const split = splitHeaderFields(bytesToText(tap.headerBytes), limits.maxHeaderFields);
  const headerBlock = split.block;
  if (split.skippedLines) problems.push(`${split.skippedLines} malformed header line(s) skipped`);
  if (split.droppedFields) {
    problems.push(
      `${split.droppedFields} header field(s) beyond the limit of ${limits.maxHeaderFields} dropped (the fields the pipeline reads were kept; EmailHeader holds the kept fields only)`,
    );
  }
  if (tap.nulBytes) problems.push('the mail contains NUL bytes');
  const headers = decodeFields(split.fields);
  const get = (name: string) => headerValue(headers, name);
  const rawFields = split.fields.map((f) => ({ name: f.name, value: f.raw }));
  const rawGet = (name: string) => headerValue(rawFields, name);
  const parsed = (name: string) => c.topHeaders?.get(name);

  const contentTypeRaw = rawGet('content-type') ?? 'text/plain';
  const { contentType, params } = parseContentType(contentTypeRaw);
  const dateHeader = get('date');
  const mail: ParsedMail = {
    size: tap.size,
    headerBlock,
    headers,
    subject: (get('subject') ?? '').replace(/[\r\n]+/g, ' ').trim(),
    replyTo: toMailAddresses(parsed('reply-to')),
    to: toMailAddresses(parsed('to')),
    cc: toMailAddresses(parsed('cc')),
    bcc: toMailAddresses(parsed('bcc')),
    receivedDates: headerValues(headers, 'received')
      .map(receivedDate)
      .filter((d): d is string => d !== undefined),
    contentType,
    contentTypeParams: params,
    parts: c.parts,
    captured: c.captured,
    inlineImages: c.inlineImages,
    attachments: c.attachments,
    problems,
  };
  if (c.sinkUsed) mail.files = c.files.flat();
  const messageId = get('message-id')?.trim();
  if (messageId) mail.messageId = messageId;
  const inReplyTo = rawGet('in-reply-to');
  if (inReplyTo) mail.inReplyTo = inReplyTo;
  const references = headerValues(rawFields, 'references');
  if (references.length) mail.references = references.join(' ');
  const from = firstFromWithAddress(toMailAddress(parsed('from')), headerValues(rawFields, 'from'));
  if (from) mail.from = from;
  const sender = toMailAddress(parsed('sender'));
  if (sender) mail.sender = sender;
  if (dateHeader !== undefined) {
    mail.dateHeader = dateHeader;
    const date = parseMailDate(dateHeader);
    if (date) mail.date = date;
    else problems.push(`unparsable Date header: ${JSON.stringify(dateHeader.slice(0, 80))}`);
  }
  if (c.text !== undefined) mail.text = c.text;
  if (
    mail.contentType.startsWith('multipart/') &&
    !c.text?.trim() &&
    !c.html?.trim() &&
    c.parts.length === 0 &&
    tap.bodyHead.length > 0
  ) {
    // RFC 2046 5.1.1: the body parts are delimited by the declared boundary; when it never
    // occurs there are no parts, but the sender's words are still there. Keep them as text.
    mail.text = bytesToText(tap.bodyHead);
    problems.push(
      `multipart boundary ${JSON.stringify(params.boundary ?? '')} never found: body kept as plain text${tap.bodyTruncated ? ` (first ${FALLBACK_BODY_BYTES} bytes)` : ''}`,
    );
  }
  if (c.html !== undefined && c.html.length > 0) mail.html = c.html;
  if (!tap.headerBytes.length) problems.push('the mail has no header block');
  return mail;
}

/**
 * The Author: the first From field that holds an address. A mail with two From fields whose first
 * is unparsable (a display name alone, an encoded-word where the address should be) still names
 * its sender in the second; RFC 5322 3.6 allows one From, but a reader that gives up after the
 * first would fall back to Reply-To. mailparser parses only the first From; later ones are parsed
 * here with its own address parser, only when the first gave no address.
 */
function firstFromWithAddress(first: MailAddress | undefined, rawFroms: string[]): MailAddress | undefined {
  if (first?.address || rawFroms.length < 2) return first;
  for (const raw of rawFroms.slice(1)) {
    const found = toMailAddress(parseAddressHeader(raw));
    if (found?.address) return found;
  }
  return first;
}

function parseContentType(raw: string): { contentType: string; params: Record<string, string> } {
  const [type = 'text/plain', ...rest] = raw.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/s, '$1');
  }
  return { contentType: type.trim().toLowerCase() || 'text/plain', params };
}
