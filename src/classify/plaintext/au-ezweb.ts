/**
 * au (KDDI, formerly EZweb) mobile mail: "Mail System Error - Returned Mail" from
 * Postmaster@ezweb.ne.jp. A short statement in English (often after Japanese) about the whole
 * mail, then the recipients as "<addr>" or "Recipient: <addr>" lines, each optionally followed by
 * the SMTP exchange (">>> RCPT TO:<addr>" / "<<< 550 ...").
 *
 * On Japanese carriers a recipient "rejected" without any SMTP reply is the recipient's own
 * reception filter (domain or address designation), not a missing mailbox: the reason is
 * "filtered". A recipient with an SMTP reply is judged by that reply.
 */
import { ADDRESS_SOURCE, cleanAddress, squash } from '../text.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

// The carrier's mail system, not a subscriber writing from a phone address.
const CARRIER_SENDER =
  /^(?:postmaster|mailer-daemon|mail-daemon)@(?:[a-z0-9-]+\.)*(?:ezweb\.ne\.jp|au\.com)$/i;
const RECIPIENT_LINE = new RegExp(`^\\s*(?:Recipient:\\s*)?<(${ADDRESS_SOURCE})>\\s*$`, 'i');

export const auEzweb: PlainRecogniser = {
  name: 'au-ezweb',
  detect: (ctx) => CARRIER_SENDER.exec(ctx.fromAddress),
  parse: (ctx) => {
    const prose: string[] = [];
    const out: (PlainRecipient & { own: string[] })[] = [];
    for (const line of ctx.head.split('\n')) {
      const m = RECIPIENT_LINE.exec(line);
      if (m) out.push({ address: cleanAddress(m[1]!), diagnostic: '', own: [] });
      else if (out.length && /^\s*(>>>|<<<)/.test(line)) out.at(-1)!.own.push(line.trim());
      // Prose in 7-bit ASCII only: the Japanese lines arrive ISO-2022-JP encoded.
      else if (/[A-Za-z]{3}/.test(line) && !/[\u0080-\uffff]|\$B/.test(line)) prose.push(line.trim());
    }
    const statement = squash(prose.join(' '));
    return out.map(({ own, ...r }) => {
      const exchange = squash(own.join(' '));
      const rec: PlainRecipient = { ...r, diagnostic: squash(`${exchange} ${statement}`) };
      if (/>>>\s*RCPT/i.test(exchange)) rec.command = 'RCPT';
      else if (!exchange && /\brejected\b/i.test(statement)) rec.reason = 'filtered';
      return rec;
    });
  },
};
