/**
 * The plain data that flows between the pipeline's pure steps:
 *   parse (bytes -> ParsedMail) -> classify -> thread -> map (-> payload + decision).
 * Nothing here holds a stream, a socket or a handle; everything is JSON-serialisable.
 */

export interface MailAddress {
  /** Display name, decoded (may be empty). */
  name: string;
  /** The address as written (local part case preserved), may be empty for groups/garbage. */
  address: string;
}

export interface HeaderField {
  /** Field name as written (case preserved). */
  name: string;
  /** Unfolded value with RFC 2047 encoded-words decoded. */
  value: string;
}

export interface MimePartInfo {
  /** Dotted part path, "1", "1.2", ... */
  path: string;
  contentType: string;
  disposition?: string;
  filename?: string;
  contentId?: string;
  /** Decoded size in bytes (0 for multipart containers). */
  size: number;
}

/**
 * Report parts whose content the classifier needs (RFC 3464 delivery-status, RFC 6533 global
 * delivery-status, RFC 5965 feedback-report, RFC 8098 disposition-notification, and the header block
 * of a returned message: text/rfc822-headers or the head of message/rfc822), captured as text up to
 * limits.maxReportPartBytes each.
 */
export interface CapturedPart {
  contentType: string;
  text: string;
  truncated: boolean;
}

export interface InlineImage {
  contentId: string;
  contentType: string;
  /** Base64 of the image, present only while the per-mail inline budget allowed it. */
  base64?: string;
  size: number;
  filename?: string;
}

/** What became of one of a mail's files (src/attachments/, README "Attachments"). */
export type AttachmentOutcome =
  /** Uploaded and connected to the ticket message by this run. */
  | 'uploaded'
  /** Already on the message (same name and size, or an upload recorded in our state). */
  | 'present'
  /** Over attachments.maxBytes or past attachments.maxMailBytes: not uploaded, noted. */
  | 'too-large'
  /** Its extension is in attachments.blockExtensions: not uploaded, noted. */
  | 'blocked'
  /** The API refused it for good (a 400 on this file): noted; the message itself is saved. */
  | 'failed'
  /** Dry run: would be uploaded. */
  | 'would-upload';

/**
 * One file of a mail as the parser's attachment sink saw it: content hashed and counted while it
 * streamed, and (live) spooled to `spoolPath` for the upload. Plain data.
 */
export interface MailFile {
  /** The safe name (src/attachments/names.ts). */
  name: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  /** sha256 of the decoded content, hex. */
  sha256: string;
  /** An inline image uploaded with InlineImage and its Content-ID (body.inlineImages "attachments"). */
  contentId?: string;
  /** Where the content waits for the upload (live mode, allowed files only). */
  spoolPath?: string;
  /** Set when the policy refused the file. */
  refused?: { outcome: 'too-large' | 'blocked'; note: string };
}

/** One file as the decision lists it. */
export interface AttachmentDecision {
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  outcome: AttachmentOutcome;
  inline?: boolean;
  /** The Attachment row in SuperOffice (uploaded or present). */
  attachmentId?: number;
  /** Why it was refused or failed. */
  note?: string;
}

export interface ParsedMail {
  /** Size of the raw mail in bytes. */
  size: number;
  /** The raw top-level header block, bytes decoded to text (UTF-8 when valid, else Latin-1). */
  headerBlock: string;
  /** Top-level header fields in order, decoded. */
  headers: HeaderField[];
  /** Message-Id as written (with angle brackets when the mail had them); undefined when absent. */
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  subject: string;
  from?: MailAddress;
  sender?: MailAddress;
  replyTo: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  /** The Date header as written. */
  dateHeader?: string;
  /** The Date header as ISO 8601 with its own offset; undefined when missing or unparsable. */
  date?: string;
  /** Dates of the Received headers, newest first, ISO 8601 with offsets. */
  receivedDates: string[];
  /** The top-level Content-Type value (lower case, no parameters). */
  contentType: string;
  /** Top-level Content-Type parameters (lower-case names). */
  contentTypeParams: Record<string, string>;
  text?: string;
  html?: string;
  parts: MimePartInfo[];
  captured: CapturedPart[];
  inlineImages: InlineImage[];
  attachments: { filename?: string; contentType: string; size: number }[];
  /** The mail's files as the attachment sink stored them (absent when attachments are skipped). */
  files?: MailFile[];
  /** Problems noticed while parsing that did not stop it (truncated MIME, bad charset, ...). */
  problems: string[];
}

export type MailKind =
  | 'message'
  | 'bounce'
  | 'delivery-report'
  | 'delivery-delay'
  | 'auto-reply'
  | 'out-of-office'
  | 'feedback-report'
  | 'read-receipt';

export interface BounceRecipient {
  address: string;
  /** Enhanced status code (RFC 3463), e.g. "5.1.1"; inferred when the report gave none. */
  status: string | null;
  action: string | null;
  diagnostic?: string;
  remoteMta?: string;
  originalRecipient?: string;
  /** Failure reason named by the diagnostic wording (Sisimai's vocabulary, e.g. "userunknown"). */
  reason?: string;
}

export interface BounceInfo {
  permanent: boolean | null;
  recipients: BounceRecipient[];
  /** Message-Id of the mail that bounced, with angle brackets. */
  originalMessageId?: string;
}

export interface Classification {
  kind: MailKind;
  /** Short human-readable reasons, e.g. "Auto-Submitted: auto-replied". */
  evidence: string[];
  /** Present for bounce, delivery-report, delivery-delay (and feedback-report recipients). */
  bounce?: BounceInfo;
  /** List or bulk traffic (a `message`): what marked it, so a user can filter it. */
  bulk?: BulkInfo;
}

/** List-Id (RFC 2919 identifier) and/or Precedence (bulk, junk, list) of list or bulk mail. */
export interface BulkInfo {
  list?: string;
  precedence?: string;
}

export type MatchedBy = 'in-reply-to' | 'references' | 'subject-tag' | 'bounce-original' | 'none';

export interface ThreadDecision {
  matchedBy: MatchedBy;
  parentMessageId?: string;
  ticketId?: number;
  /** The ids and tags that were considered, in the order they were tried. */
  candidates: string[];
  /**
   * The provisional thread key: the Message-Id of the thread's root as far as the headers tell.
   * Set whenever threading is by Message-Id (and for a new thread); lets a dry run or an offline
   * replay group mails into threads before any ticket id exists. `ticketId` wins when both are set.
   */
  threadRoot?: string;
  /** Candidates that named something but were not taken, with the reason (why a mail is NOT on a ticket). */
  rejected?: { candidate: string; reason: string }[];
}

export interface Decision {
  messageId: string;
  /** True when the mail had no Message-Id and one was derived from its header block. */
  messageIdDerived?: boolean;
  createdAtSource: 'date' | 'received' | 'none';
  classification: Classification;
  bounce?: BounceInfo;
  thread: ThreadDecision;
  /** The new part of the mail, its signature and its quoted history (src/reply/, docs/bodies.md). */
  reply?: ReplyDecision;
  /** The mail's files and what became of each (absent when attachments.mode is `skip`). */
  attachments?: AttachmentDecision[];
  /** Problems that did not stop mapping (truncations, fallbacks, parse oddities). */
  notes: string[];
}

/**
 * How a mail splits into its new part, signature and quoted history (src/reply/). Recorded for every
 * mail whatever `body.quotedText` says; Body and HtmlBody change only under `mark`/`strip`.
 */
export interface ReplyDecision {
  /** The new text, without the signature and without quoted history. The whole text when nothing
   * was split off (`none`, `uncertain:*`, `skipped:*`). */
  visibleText: string;
  signature?: string;
  /** Present when quoted history was found: `from` is the offset in Body where it starts (null when
   * only the HTML showed it and its text could not be located in Body); `header` is the
   * attribution line or Outlook header that opened it. */
  quoted?: { from: number | null; header?: string };
  /** How: `text:quote-header(de)`, `text:outlook-header(en)+interleaved`, `html:gmail_quote`, `none`,
   * `none:forward`, `uncertain:empty-new-part`, `skipped:bounce`, ... */
  method: string;
  /** The HTML split's own method when the mail has HTML and Body is its text part. */
  htmlMethod?: string;
}
