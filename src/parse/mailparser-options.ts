import { MailParser, type MailParserOptions } from 'mailparser';
import { AUTO_CHARSET, UTF7_CHARSET, isUtf7Label } from '../body/charset.js';
import { CharsetDecoderStream } from '../body/charset-stream.js';
import type { Limits } from '../limits.js';
import { UUENCODE_ENCODINGS, UudecodeStream } from '../attachments/uudecode.js';
import { Base64DecoderStream } from './base64.js';
import { CountingDecoder, countable } from './drain.js';

/**
 * Options for mailparser's streaming MailParser. We turn off the work we never use: text-to-HTML
 * and link detection (we render bodies ourselves), html-to-text inside the parser (the body module
 * converts with its own settings), checksums of attachments we drop.
 *
 * `Iconv`: mailparser hands every text part with a declared charset other than ascii/utf-8 to
 * `new Iconv(charset, 'UTF-8//TRANSLIT//IGNORE')`; ours (src/body/charset-stream.ts) decodes with
 * src/body/charset.ts: superset tables for mislabelled charsets, ISO-2022-JP extensions, UTF-7
 * decoded, wrong labels detected. (mailparser refuses UTF-7/base64/hex itself before the hook, so
 * createMailParser relabels UTF-7 parts; see there.)
 */
export function mailParserOptions(limits: Limits): MailParserOptions {
  return {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    // RFC 3464 delivery-status must reach the classifier as its own part, not glued into the text.
    keepDeliveryStatus: true,
    // Keep every message/rfc822 part (a bounce's returned mail, an ARF report's original, a forwarded
    // mail) as a part whose head we capture: the classifier and threading need the original's
    // Message-Id, which mailparser drops when it inlines an embedded message.
    ignoreEmbedded: true,
    checksumAlgo: false,
    maxHeadSize: limits.maxHeaderBytes,
    maxChildNodes: limits.maxMimeParts,
    Iconv: CharsetDecoderStream as unknown as MailParserOptions['Iconv'],
  };
}

/**
 * The header fields of a part whose values mailparser parses for us. mailparser's processHeaders
 * decodes every field of every part (encoded words, addresses with their HTML and text forms,
 * DKIM tag lists, dates), but we read only these from its result: the top-level addresses
 * (parse.ts, buildParsedMail), a part's Content-ID (its `cid`, and the drain hook below), and the
 * fields its text for an embedded message's header block reads (getTextContent's showMeta). The
 * part's structure (type, disposition, charset, encoding, file name) comes from mailsplit's node,
 * not from this map, and every other field is read by src/parse/header-block.ts from the raw
 * header block. On the benchmark corpus processHeaders was 0.5 s of a 12.6 s `--jobs 1` profile;
 * with only these fields, parsing took 0.95 to 0.99 of its time (interleaved runs, issue 15).
 */
export const MAILPARSER_FIELDS: ReadonlySet<string> = new Set([
  'content-type',
  'content-disposition',
  'content-id',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
]);

/** One header field as mailsplit lists it for processHeaders (`key` lower-cased). */
interface HeaderLine {
  key: string;
  line: string;
}

/** What mailparser's (internal) createNode returns for a leaf part. */
interface ParserNode {
  contentType?: string;
  charset?: string;
  isAttachment?: boolean;
  headers?: Map<string, unknown>;
  decoder?: NodeJS.ReadWriteStream;
}

/** The splitter's node createNode receives (@zone-eu/mailsplit MimeNode). */
interface SplitterNode {
  encoding?: unknown;
  filename?: unknown;
}

/**
 * Which attachments are only counted (see src/parse/drain.ts). `drained` is asked with the
 * content type the attachment will be reported with and whether it has a Content-ID; the decoded
 * size of a counted part is in `sizes`, keyed by the attachment's `headers` object.
 */
export interface DrainHook {
  drained(contentType: string, hasContentId: boolean): boolean;
  sizes: WeakMap<object, CountingDecoder>;
}

/**
 * A MailParser whose text parts without a charset, or labelled us-ascii / utf-8, also go through
 * our decoder. mailparser decodes those itself with Buffer#toString('utf8') (mail-parser.js,
 * `node.charset || 'utf-8'`, skipped for ascii/utf8), which turns every windows-1252 byte of an
 * unlabelled or mislabelled mail into U+FFFD. Giving such parts the AUTO_CHARSET label routes them
 * through the `Iconv` hook, where valid UTF-8 stays UTF-8 and other bytes are read as windows-1252.
 * The override is on this instance only; mailparser itself is not patched.
 *
 * Parts labelled UTF-7 (RFC 2152) are relabelled UTF7_CHARSET: mailparser refuses the name
 * `utf-7` before its hook and would pass the raw `+APw-ber` through, while our decoder decodes it
 * (why that is safe: src/body/charset.ts). Each such part adds a note to `notes`.
 */
export function createMailParser(
  limits: Limits,
  notes?: string[],
  drain?: DrainHook,
  uudecoders?: WeakMap<object, UudecodeStream>,
): MailParser {
  const parser = new MailParser(mailParserOptions(limits));
  const internal = parser as unknown as {
    createNode(node: unknown): ParserNode | undefined;
    processHeaders?(lines: HeaderLine[] | undefined): Map<string, unknown>;
    decoderEnded?: boolean;
    libmime: { detectMimeType(filename: string): string | undefined };
  };
  // Only the fields whose parsed values are read (see MAILPARSER_FIELDS) are handed to mailparser.
  if (typeof internal.processHeaders === 'function') {
    const processHeaders = internal.processHeaders.bind(parser);
    internal.processHeaders = (lines) => processHeaders(lines?.filter((l) => MAILPARSER_FIELDS.has(l.key)));
  }
  // Our decoder in place of the one createNode made, wired as createNode wires its own: the end
  // flag is read when the parser ends.
  const replaceDecoder = <D extends NodeJS.ReadWriteStream>(created: ParserNode, decoder: D): D => {
    decoder.on('end', () => {
      internal.decoderEnded = true;
    });
    created.decoder = decoder;
    return decoder;
  };
  const createNode = internal.createNode.bind(parser);
  internal.createNode = (node: unknown) => {
    const created = createNode(node);
    const encoding = String((node as SplitterNode).encoding ?? '').toLowerCase();
    if (created?.decoder && created.headers && UUENCODE_ENCODINGS.has(encoding)) {
      // mailsplit passes uuencode through undecoded (src/attachments/uudecode.ts)
      uudecoders?.set(created.headers, replaceDecoder(created, new UudecodeStream()));
    } else if (drain && created?.isAttachment && created.decoder && created.headers) {
      // The content type processChunk reports the attachment with (mail-parser.js: an
      // application/octet-stream part with a file name is typed from the name).
      const split = node as SplitterNode;
      let contentType = created.contentType;
      if (contentType === 'application/octet-stream' && typeof split.filename === 'string' && split.filename)
        contentType = internal.libmime.detectMimeType(split.filename) || 'application/octet-stream';
      const kind = countable(split.encoding);
      if (
        kind &&
        drain.drained(
          (contentType || 'application/octet-stream').toLowerCase(),
          created.headers.has('content-id'),
        )
      ) {
        drain.sizes.set(created.headers, replaceDecoder(created, new CountingDecoder(kind === 'base64')));
      }
    }
    if (created?.decoder && encoding === 'base64' && !(created.decoder instanceof CountingDecoder)) {
      // the same bytes as mailsplit's libbase64 Decoder, in the same chunks, without its string
      // handling (src/parse/base64.ts): attachments are hashed and uploaded from these bytes
      replaceDecoder(created, new Base64DecoderStream());
    }
    if (created?.decoder) endOnce(created.decoder);
    if (created && !/^multipart\//i.test(created.contentType ?? '')) {
      const label = (created.charset ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
      if (label === '' || label === 'ascii' || label === 'usascii' || label === 'utf8')
        created.charset = AUTO_CHARSET;
      else if (isUtf7Label(created.charset)) {
        created.charset = UTF7_CHARSET;
        notes?.push(`a ${created.contentType ?? 'text'} part in UTF-7 was decoded (RFC 2152)`);
      }
    }
    return created;
  };
  return parser;
}

/**
 * mailparser ends a part's decoder at the boundary line after it (processChunk, `case 'data'`) and
 * the last part's decoder once more when the input ends (endStream). Node answers a second `end()`
 * by building an ERR_STREAM_ALREADY_FINISHED error, stack trace included, that nobody receives (no
 * callback is passed): 0.14 s of a 10 s parse-only profile over the benchmark corpus, one error per
 * mail (issue 15). A decoder already ended ignores the call; the first `end()` is unchanged.
 */
export function endOnce(decoder: NodeJS.ReadWriteStream): void {
  const stream = decoder as NodeJS.ReadWriteStream & { writableEnded?: boolean };
  const end = stream.end;
  stream.end = function (this: typeof stream, ...args: unknown[]) {
    if (this.writableEnded === true && args.length === 0) return this;
    return (end as (...a: unknown[]) => typeof stream).apply(this, args);
  } as typeof stream.end;
}
