import type { Readable } from 'node:stream';

/** One stored or fetched mail, opened lazily as a stream so big mail is never held in memory. */
export interface MailInput {
  /** Where the mail came from: "dir/a.eml", "box.mbox#12", "imap:support/INBOX#4711". */
  source: string;
  open(): Readable;
}
