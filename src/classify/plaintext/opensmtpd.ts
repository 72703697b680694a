/**
 * OpenSMTPD (usr.sbin/smtpd/bounce.c) reports, From "Mailer Daemon <MAILER-DAEMON@host>",
 * Subject "Delivery status notification: error|warning|delayed|success":
 *
 *   Hi!
 *
 *   This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.
 *
 *   An error has occurred while attempting to deliver a message for
 *   the following list of recipients:
 *
 *   kim@example.org: 550 5.1.1 <kim@example.org>: Recipient address rejected
 *
 *   Below is a copy of the original message:
 *
 * The delay notice says "A message is delayed for more than <time> for the following list of
 * recipients:" and "Please note that this is only a temporary failure report."; the success
 * notice "Your message was successfully delivered to these recipients." / "relayed to".
 * Each recipient is one "addr: reason" line.
 */
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const SIGNATURE = /This is the MAILER-DAEMON, please DO NOT REPLY to this e-?mail/i;
const LEAD =
  /(?:the following list of recipients:|successfully delivered to these recipients\.|was relayed to these recipients\.)\s*$/im;
const DELAYED = /is delayed for more than|only a temporary failure report/i;
const ADDRESS_LINE = /^\s*<?([^\s<>:]+@[^\s<>:]+?)>?:\s*(.*)$/;
// Closing sentences of the notices, not a recipient's diagnostic.
const STOP =
  /^\s*(Please note that this is only|Below is a copy of the original|The message is kept in the queue)/i;

export const opensmtpd: PlainRecogniser = {
  name: 'opensmtpd',
  detect: (ctx) => (fromMailSystem(ctx) && SIGNATURE.test(ctx.head) ? LEAD.exec(ctx.head) : null),
  parse: (ctx, lead) => {
    const action = /successfully delivered/i.test(lead[0])
      ? 'delivered'
      : /relayed/i.test(lead[0])
        ? 'relayed'
        : undefined;
    const temporary = DELAYED.test(ctx.head);
    return recipientBlocks(afterLead(ctx.head, lead), ADDRESS_LINE, STOP).map(
      (b): PlainRecipient => ({
        ...b,
        ...(action ? { action } : {}),
        ...(temporary ? { temporary: true } : {}),
      }),
    );
  },
};
