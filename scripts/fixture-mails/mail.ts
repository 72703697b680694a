/**
 * One fixture mail. Every mail is built as a "byte string" (one JS char per byte, 0..255) with "\n"
 * line ends, then written with the line ending the mail is meant to have (CRLF as on the wire, or
 * LF as in a Maildir/mbox copy). Text in a non-ASCII charset only ever enters through the encoders
 * of scripts/lib/mime.ts, so the bytes are exactly the ones a real client would send; a stray
 * char > 0xFF aborts the run.
 */
export interface FixtureMail {
  /** The file name without `.eml`; the three-digit prefix orders the fixtures. */
  name: string;
  eol: '\r\n' | '\n';
  /** The mail as a byte string with "\n" line ends. */
  body: string;
}

export const m = (name: string, eol: '\r\n' | '\n', body: string): FixtureMail => ({ name, eol, body });
export const CRLF = '\r\n' as const;
export const LF = '\n' as const;
