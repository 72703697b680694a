/**
 * Postfix (src/bounce/bounce_template.c) when it sends its report without a machine-readable
 * part, or a relay strips the multipart/report: From "Mail Delivery System
 * <MAILER-DAEMON@host>", Subject "Undelivered Mail Returned to Sender":
 *
 *   This is the mail system at host mx.example.jp.
 *   I'm sorry to have to inform you that your message could not
 *   be delivered to one or more recipients. ...
 *
 *                      The mail system
 *
 *   <kim@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1
 *       <kim@example.org>: Recipient address rejected: User unknown (in reply to
 *       RCPT TO command)
 *
 * Each "<addr>:" at column 0 (optionally "(expanded from <alias>)") opens one paragraph; its
 * continuation lines are indented. Postfix before 2.3 said "This is the Postfix program at host".
 * The delay template starts with "THIS IS A WARNING ONLY" and the failure is then temporary.
 * "(in reply to RCPT TO command)" names the stage; ../wording.ts reads it.
 */
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const LEAD = /^This is the (mail system|Postfix program) at host \S+/im;
const WARNING = /THIS IS A WARNING ONLY/;
const ADDRESS_LINE = /^<([^<>\s]+@[^<>\s]+)>(?: \(expanded from <[^>]*>\))?:\s*(.*)$/;

export const postfix: PlainRecogniser = {
  name: 'postfix',
  detect: (ctx) => (fromMailSystem(ctx) ? LEAD.exec(ctx.head) : null),
  parse: (ctx, lead) => {
    const warning = WARNING.test(ctx.head);
    const blocks = recipientBlocks(afterLead(ctx.head, lead), ADDRESS_LINE);
    return blocks.map((b): PlainRecipient => (warning ? { ...b, temporary: true } : b));
  },
};
