import type { ParsedMail } from '../../types.js';
import type { Reason, SmtpCommand } from '../wording.js';

/** What a plain-text recogniser sees: the mail plus its text split at the returned original. */
export interface PlainContext {
  mail: ParsedMail;
  /** From address, lower case ("" when absent). */
  fromAddress: string;
  /** From display name and address, for sender-name checks. */
  fromText: string;
  subject: string;
  /** The whole readable body. */
  body: string;
  /** The body up to where the returned original starts (the bounce's own prose). */
  head: string;
}

/** One failed recipient as read from prose. */
export interface PlainRecipient {
  address: string;
  diagnostic: string;
  /** Enhanced status stated in the text, when the family states it apart from the diagnostic. */
  status?: string;
  action?: string;
  remoteMta?: string;
  /** The failure reason when the family's message is known to mean one (no code given). */
  reason?: Reason;
  /** The SMTP command the failure answered, when the family's format says so (e.g. "[RCPT_TO]"). */
  command?: SmtpCommand;
  /** True/false when the family's wording says so (e.g. "This is a permanent error"). */
  temporary?: boolean;
}

/**
 * One MTA family (Sisimai's "lhost" notion): `detect` keys on From / Subject / wording,
 * `parse` reads the failed recipients. Return [] from parse when nothing was understood, so
 * that the generic reader gets its turn.
 */
export interface PlainRecogniser {
  name: string;
  detect(ctx: PlainContext): boolean;
  parse(ctx: PlainContext): PlainRecipient[];
}
