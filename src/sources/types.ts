import type { Readable } from 'node:stream';

/**
 * Where a stored mail's bytes are, as plain data: a worker thread can open it itself, so a
 * 50 MB mail is streamed in the worker instead of being copied across threads.
 */
export type SourceRef =
  | { type: 'file'; path: string }
  | { type: 'mbox'; path: string; start: number; end: number };

/** One stored or fetched mail, opened lazily as a stream so big mail is never held in memory. */
export interface MailInput {
  /** Where the mail came from: "dir/a.eml", "box.mbox#12", "imap:support/INBOX#4711". */
  source: string;
  open(): Readable;
  /** Present for stored mail (files, mbox spans). */
  ref?: SourceRef;
}
