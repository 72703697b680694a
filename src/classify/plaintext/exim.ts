/**
 * Exim (src/deliver.c, the default bounce_message_text and warn_message_text), From
 * "Mail Delivery System <Mailer-Daemon@host>", with X-Failed-Recipients on bounces:
 *
 *   This message was created automatically by mail delivery software.
 *
 *   A message that you sent could not be delivered to one or more of its
 *   recipients. This is a permanent error. The following address(es) failed:
 *
 *     kim@example.org
 *       SMTP error from remote mail server after RCPT TO:<kim@example.org>:
 *       host mx.example.org [192.0.2.1]: 550 5.1.1 User unknown
 *
 * The failed address is indented by two spaces, its explanation by four. A delay warning
 * ("has not yet been delivered ... after more than N hours on the queue") lists its addresses
 * the same way after "The address to which the message has not yet been delivered is:" and
 * means the failure is temporary (Exim keeps trying). "after RCPT TO" / "after MAIL FROM" /
 * "after end of data" in the text name the SMTP stage; ../wording.ts reads those.
 * Blocks that name no address ("pipe to |/usr/bin/x", "save to file") are left to the generic
 * reader, which falls back on X-Failed-Recipients.
 */
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const SIGNATURE = /^This message was created automatically by mail delivery software\.?\s*$/m;
const FAILED_LEAD = /The following address(\(es\)|es)? failed:\s*$/im;
const DELAY_LEAD = /^The address(es)? to which the message has not yet been delivered (is|are):\s*$/im;
// Two-space indent, then the address (Exim may add "<original>" or "(generated from ...)").
const ADDRESS_LINE = /^ {1,2}<?([^\s<>()]+@[^\s<>()]+?)>?(?:\s+(.*))?$/;

/** The lead sentence found: a delay warning's when there is one, else the bounce's. */
interface Lead {
  lead: RegExpExecArray;
  delay: boolean;
}

function findLead(head: string): Lead | null {
  const delay = DELAY_LEAD.exec(head);
  if (delay) return { lead: delay, delay: true };
  const failed = FAILED_LEAD.exec(head);
  return failed ? { lead: failed, delay: false } : null;
}

export const exim: PlainRecogniser<Lead> = {
  name: 'exim',
  detect: (ctx) => (fromMailSystem(ctx) && SIGNATURE.test(ctx.head) ? findLead(ctx.head) : null),
  parse: (ctx, { lead, delay }) => {
    const blocks = recipientBlocks(afterLead(ctx.head, lead), ADDRESS_LINE);
    return blocks.map((b): PlainRecipient => (delay ? { ...b, temporary: true } : b));
  },
};
