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
 * One MTA family (Sisimai's "lhost" notion), one module each. `detect` keys on From / Subject /
 * wording and returns what it found, or null when the mail is not the family's: usually the
 * match of the family's lead sentence, after which its recipients stand (see afterLead in
 * ./blocks.ts). `parse` receives that and reads the failed recipients, so no family runs its
 * lead regex twice. Return [] from parse when nothing was understood, so that the generic
 * reader gets its turn.
 */
export interface PlainRecogniser<Found = RegExpExecArray> {
  name: string;
  detect(ctx: PlainContext): Found | null;
  parse(ctx: PlainContext, found: Found): PlainRecipient[];
}
