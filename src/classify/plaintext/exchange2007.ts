/**
 * Microsoft Exchange 2007 and later / Office 365 plain non-delivery reports (when the
 * multipart/report's DSN part is missing or was stripped), Subject "Undeliverable: <subject>" or
 * "Delivery delayed:<subject>", From the postmaster or the organisation's
 * "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e" mailbox. The user part opens with
 * "Delivery has failed to these recipients or groups:" (2007/2010; "or distribution lists" in
 * 2007), "Your message to <addr> couldn't be delivered." (2013+, Office 365) or "Delivery is
 * delayed to these recipients or groups:"; the administrators' part states each recipient
 * exactly (Microsoft's NDR documentation):
 *
 *   Diagnostic information for administrators:
 *
 *   Generating server: EX01.example.com
 *
 *   kim@example.org
 *   mx.example.org #550 5.1.1 <kim@example.org>: User unknown ##        (2007/2010)
 *   Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound'   (2013+, Office 365)
 *
 * The address alone on a line opens a block; the lines up to the next address are its reply.
 * Without that part, the addresses listed after the lead are read the same way.
 */
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const LEAD =
  /^\s*(?:Delivery has failed to these recipients or (?:groups|distribution lists):|Delivery is delayed to these recipients or (?:groups|distribution lists):|Your message to \S+ couldn't be delivered\.)/im;
const ADMIN = /^\s*Diagnostic information for administrators:\s*$/im;
const DELAYED = /Delivery is delayed to these recipients/i;
// The address alone (Exchange 2007 may write "Name<mailto:addr>" in the user part).
const ADDRESS_LINE = /^\s*(?:[^<>\n]*<mailto:)?<?([^\s<>:]+@[^\s<>]+?)>?\s*$/;
// The generating server's name is not a reply of the recipient above it.
const NOT_DIAGNOSTIC =
  /^\s*(Generating server:.*|Receiving server:.*|_{5,}|Sent by Microsoft Exchange.*)$/gim;

export const exchange2007: PlainRecogniser = {
  name: 'exchange2007',
  detect: (ctx) => {
    const lead = LEAD.exec(ctx.head);
    // The lead with the administrators' part, or with a mail-system sender.
    return lead && (ADMIN.test(ctx.head) || fromMailSystem(ctx)) ? lead : null;
  },
  parse: (ctx, lead) => {
    const admin = ADMIN.exec(ctx.head);
    const text = admin ? afterLead(ctx.head, admin) : afterLead(ctx.head, lead);
    const temporary = DELAYED.test(lead[0]);
    return recipientBlocks(text.replace(NOT_DIAGNOSTIC, ''), ADDRESS_LINE).map(
      (b): PlainRecipient => (temporary ? { ...b, temporary: true } : b),
    );
  },
};
