/**
 * Yahoo! Mail (and Yahoo! JAPAN) plain-text bounces:
 *
 *   Sorry, we were unable to deliver your message to the following address.
 *
 *   <kim@example.org>:
 *   Remote host said: 550 5.1.1 <kim@example.org>... User Unknown [RCPT_TO]
 *
 * The bracketed tag names the SMTP command the remote reply answered. A reply without the tag
 * that quotes the recipient's own address ("550: <kim@example.org>: User unknown") is the answer
 * to that recipient's RCPT TO: only RCPT carries the recipient.
 */
import { ADDRESS_SOURCE, cleanAddress, squash } from '../text.js';
import type { SmtpCommand } from '../wording.js';
import { afterLead } from './blocks.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const LEAD = /^Sorry,? we were unable to deliver your message to the following address(es)?\.?\s*$/im;
const ADDRESS_LINE = new RegExp(`^<(${ADDRESS_SOURCE})>:\\s*$`);
const TAGS: Record<string, SmtpCommand> = {
  RCPT_TO: 'RCPT',
  MAIL_FROM: 'MAIL',
  DATA: 'DATA',
  CONNECT: 'CONN',
  EHLO: 'EHLO',
  HELO: 'EHLO',
};

export const yahoo: PlainRecogniser = {
  name: 'yahoo',
  detect: (ctx) => LEAD.exec(ctx.head),
  parse: (ctx, lead) => {
    // The lines after the one the lead ends on.
    const lines = afterLead(ctx.head, lead).split('\n').slice(1);
    const out: PlainRecipient[] = [];
    for (const line of lines) {
      const a = ADDRESS_LINE.exec(line.trim());
      if (a) {
        out.push({ address: cleanAddress(a[1]!), diagnostic: '' });
        continue;
      }
      const cur = out.at(-1);
      if (cur && line.trim())
        cur.diagnostic = squash(`${cur.diagnostic} ${line.replace(/^Remote host said:/i, '')}`);
    }
    for (const r of out) {
      const tag = /\[([A-Z_]+)\]\s*$/.exec(r.diagnostic)?.[1];
      const command = tag ? TAGS[tag] : undefined;
      if (command) r.command = command;
      else if (r.diagnostic.toLowerCase().includes(`<${r.address.toLowerCase()}>`)) r.command = 'RCPT';
    }
    return out.filter((r) => r.diagnostic);
  },
};
