/**
 * fml (a Japanese mailing-list manager, X-MLServer: fml ...): when the list refuses to
 * distribute a post it tells the poster in plain text, from the list's -admin address:
 *
 *   Subject: Loop Alert: Duplicated Message-ID (neko ML)
 *   Duplicated Message-ID in <neko@example.co.jp>.
 *   Original mail as follows:
 *
 * The post did not reach the list, so for the sender this is a non-delivery report of the list
 * address. A loop alert (duplicated Message-ID, X-ML-Name loop) is the list system refusing it;
 * "not a member" is a refusal of the sender; a security alert is the list's security policy.
 */
import { headerValue } from '../../parse/header-block.js';
import { findAddresses, squash } from '../text.js';
import type { Reason } from '../wording.js';
import type { PlainRecogniser } from './types.js';

const NOTICES: [Reason, RegExp][] = [
  ['systemerror', /loop alert|duplicated message-id|mail loop/i],
  ['rejected', /not (a )?member|members? only|only members|post(ing)? is restricted/i],
  ['securityerror', /security alert/i],
];

function notice(text: string): Reason | undefined {
  return NOTICES.find(([, re]) => re.test(text))?.[0];
}

export const fml: PlainRecogniser<Reason> = {
  name: 'fml',
  // The notice comes from the list's administrative address, never from a member's post.
  detect: (ctx) =>
    /^fml\b/i.test(headerValue(ctx.mail.headers, 'x-mlserver') ?? '') &&
    /^(owner-|fml)|-(admin|request|owner)@/i.test(ctx.fromAddress)
      ? (notice(`${ctx.subject}\n${ctx.head}`) ?? null)
      : null,
  parse: (ctx, reason) => {
    const lead = ctx.head.split(/^Original mail as follows:?$/im)[0] ?? ctx.head;
    // The list address the notice names, else the list's own address (the -admin sender's list).
    const named = findAddresses(lead).filter((a) => a.toLowerCase() !== ctx.fromAddress);
    const list = named[0] ?? ctx.fromAddress.replace(/-admin@/, '@');
    return list
      ? [{ address: list, diagnostic: squash(`${ctx.subject} ${lead}`).slice(0, 500), reason }]
      : [];
  },
};
