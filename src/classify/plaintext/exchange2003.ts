/**
 * Microsoft Exchange 2000/2003 plain non-delivery report, From "System Administrator
 * <postmaster@domain>", Subject "Undeliverable: <original subject>":
 *
 *   Your message
 *
 *     To:      kim@example.org
 *     Subject: Order 42
 *     Sent:    Thu, 29 Apr 2010 00:00:00 -0000
 *
 *   did not reach the following recipient(s):
 *
 *   kim@example.org on Thu, 29 Apr 2010 00:00:00 -0000
 *       The recipient name is not recognized
 *       MSEXCH:IMS:... 0 (000C05A6) Unknown Recipient
 *
 * Only the lines after "did not reach the following recipient(s):" name failed recipients; the
 * "To:" above is the original's header (it may list recipients that were delivered). Each failed
 * address starts a line at column 0, followed by "on <date>"; its explanation is indented.
 * Exchange 2007 and later / Office 365 ("Delivery has failed to these recipients or groups:")
 * are left to the generic reader, which reads their "Remote Server returned" lines.
 */
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecogniser } from './types.js';

const LEAD = /^\s*did not reach the following recipient\(s\):\s*$/im;
const ADDRESS_LINE = /^<?([^\s<>]+@[^\s<>]+?)>?(?:\s+(?:on\s.*)?)?$/;

export const exchange2003: PlainRecogniser = {
  name: 'exchange2003',
  detect: (ctx) => (fromMailSystem(ctx) && /^Your message\s*$/im.test(ctx.head) ? LEAD.exec(ctx.head) : null),
  parse: (ctx, lead) => recipientBlocks(afterLead(ctx.head, lead), ADDRESS_LINE),
};
