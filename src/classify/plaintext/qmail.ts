/**
 * qmail (qmail-send, netqmail, and the vpopmail/qmail-ldap builds) writes its bounce in plain
 * text, From MAILER-DAEMON@host, Subject "failure notice":
 *
 *   Hi. This is the qmail-send program at mx.example.jp.
 *   I'm afraid I wasn't able to deliver your message to the following addresses.
 *   This is a permanent error; I've given up. Sorry it didn't work out.
 *
 *   <kim@example.org>:
 *   192.0.2.25 does not like recipient.
 *   Remote host said: 550 5.1.1 <kim@example.org>: Recipient address rejected: User unknown
 *   Giving up on 192.0.2.25.
 *
 *   --- Below this line is a copy of the message.
 *
 * Each "<addr>:" line at column 0 opens a recipient's block, which runs to the next one. qmail's
 * own sentences name the SMTP stage: "does not like recipient" is the answer to RCPT TO,
 * "does not like sender" to MAIL FROM, "failed after I sent the message" to the end of DATA
 * (qmail-remote.c).
 */
import type { SmtpCommand } from '../wording.js';
import { afterLead, recipientBlocks } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

// qmail-send.c writes "Hi. This is the qmail-send program at"; some builds localise "Hi." away
// or say "qmail program".
const LEAD = /^(Hi\. )?This is the qmail(-send)? program at \S+/im;

const STAGES: [RegExp, SmtpCommand][] = [
  [/does not like recipient/i, 'RCPT'],
  [/does not like sender/i, 'MAIL'],
  [/failed after I sent the message|didn't accept the message/i, 'DATA'],
  [/wasn't able to establish an SMTP connection|Connected to .* but greeting failed/i, 'CONN'],
];

export const qmail: PlainRecogniser = {
  name: 'qmail',
  detect: (ctx) => (fromMailSystem(ctx) ? LEAD.exec(ctx.head) : null),
  parse: (ctx, lead) => {
    const blocks = recipientBlocks(afterLead(ctx.head, lead), /^<([^<>\s]+@[^<>\s]+)>:\s*(.*)$/);
    return blocks.map((b): PlainRecipient => {
      const command = STAGES.find(([re]) => re.test(b.diagnostic))?.[1];
      return { ...b, ...(command ? { command } : {}) };
    });
  },
};
