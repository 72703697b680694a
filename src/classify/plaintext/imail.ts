/**
 * Ipswitch IMail Server: its SMTP delivery agent (SMTP32, "X-Mailer: <SMTP32 v8.22>") returns a
 * failed mail from "Postmaster" with Subject "Undeliverable Mail", one notice line per failed
 * recipient, then the returned mail quoted as text:
 *
 *   Unknown user: kim@example.org
 *
 *   Original message follows.
 *
 * The notice is the agent's fixed wording followed by the address: "Unknown user:" and
 * "Invalid final delivery userid:" (no such mailbox), "User mailbox exceeds allowed size:"
 * (mailbox full), "Delivery failed <n> attempts:" (gave up after its retries), "Unknown host:",
 * "undeliverable to"; a remote server's answer comes after "Body of message generated
 * response:", which the generic reader handles. Mailing-list managers that collect bounces know
 * the same notices by the SMTP32 X-Mailer. No sample of ours shows the last four notices.
 */
import { headerValue } from '../../parse/header-block.js';
import { ADDRESS_SOURCE, cleanAddress, squash } from '../text.js';
import type { Reason } from '../wording.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecipient, PlainRecogniser } from './types.js';

const NOTICES: [RegExp, Reason | undefined][] = [
  [/^(unknown user|invalid final delivery userid)\s*:/i, 'userunknown'],
  [/^user mailbox exceeds allowed size\s*:/i, 'mailboxfull'],
  [/^delivery failed \d+ attempts?\s*:/i, 'expired'],
  [/^unknown host\s*:/i, 'hostunknown'],
  [/^undeliverable to\b/i, undefined],
];

const NOTICE_LINE = new RegExp(
  `^\\s*((?:unknown user|invalid final delivery userid|user mailbox exceeds allowed size|delivery failed \\d+ attempts?|unknown host)\\s*:|undeliverable to)\\s*<?(${ADDRESS_SOURCE})>?\\s*(.*)$`,
  'i',
);

const ORIGINAL_FOLLOWS = /^\s*Original message follows\.?\s*$/im;

export const imail: PlainRecogniser<true> = {
  name: 'imail',
  detect: (ctx) =>
    /^<SMTP32 v/i.test(headerValue(ctx.mail.headers, 'x-mailer') ?? '') ||
    (fromMailSystem(ctx) &&
      /^\s*undeliverable mail\s*$/i.test(ctx.subject) &&
      ORIGINAL_FOLLOWS.test(ctx.body))
      ? true
      : null,
  parse: (ctx) => {
    const out: PlainRecipient[] = [];
    for (const line of ctx.head.split('\n')) {
      const m = NOTICE_LINE.exec(line);
      if (!m) continue;
      const address = cleanAddress(m[2]!);
      if (!address || out.some((r) => r.address.toLowerCase() === address.toLowerCase())) continue;
      const reason = NOTICES.find(([re]) => re.test(m[1]!))?.[1];
      out.push({
        address,
        diagnostic: squash(line),
        ...(reason ? { reason } : {}),
        ...(reason === 'userunknown' ? { command: 'RCPT' as const } : {}),
      });
    }
    return out;
  },
};
