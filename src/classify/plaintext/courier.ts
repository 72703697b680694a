/**
 * The Courier mail server (courier/module.dsn/dsn.c) writes a human-readable report, From
 * "Courier mail server at host" with an empty address, and usually a message/delivery-status
 * part too; this reads the prose when that part is missing:
 *
 *   This is a delivery status notification from mx.example.org,
 *   running the Courier mail server, version 0.65.2.
 *   ...
 *                           UNDELIVERABLE MAIL
 *
 *   Your message to the following recipients cannot be delivered:
 *
 *   <kim@example.co.jp>:
 *       mx.example.co.jp [192.0.2.95]:
 *   >>> RCPT TO:<kim@example.co.jp>
 *   <<< 550 5.1.1 <kim@example.co.jp>... User Unknown
 *
 * Each "<addr>:" at column 0 opens a block with the SMTP dialogue (">>>" our command, "<<<" the
 * remote reply); the ">>>" line names the stage. A "DELAYED MAIL" report is temporary.
 */
import { commandOfVerb } from '../wording.js';
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const LEAD = /^This is a delivery status notification from \S+/im;
const COURIER = /running the Courier mail server/i;
const ADDRESS_LINE = /^<([^<>\s]+@[^<>\s]+)>:\s*(.*)$/;

export const courier: PlainRecogniser = {
  name: 'courier',
  detect: (ctx) => (fromMailSystem(ctx) && COURIER.test(ctx.head) ? LEAD.exec(ctx.head) : null),
  parse: (ctx, lead) => {
    const delayed = /^\s*DELAYED MAIL\s*$/m.test(ctx.head);
    const blocks = recipientBlocks(afterLead(ctx.head, lead), ADDRESS_LINE);
    return blocks.map((b): PlainRecipient => {
      // The last command sent before the remote reply is the one it answered.
      const sent = [...b.diagnostic.matchAll(/>>>\s*([A-Z]{4})\b/g)].at(-1)?.[1];
      const command = sent ? commandOfVerb(sent) : undefined;
      return { ...b, ...(command ? { command } : {}), ...(delayed ? { temporary: true } : {}) };
    });
  },
};
