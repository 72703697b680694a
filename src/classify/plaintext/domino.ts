/**
 * Lotus (HCL) Domino's router writes its non-delivery report from Postmaster@domain, Subject
 * "DELIVERY FAILURE: <reason>":
 *
 *   Your message
 *
 *     Subject: Test
 *
 *   was not delivered to:
 *
 *     kim@example.jp
 *
 *   because:
 *
 *     User kim (kim@example.jp) not listed in Domino Directory
 *
 * The addresses sit between "was not delivered to:" and "because:"; the reason after
 * "because:" applies to every one of them.
 */
import { findAddresses, squash } from '../text.js';
import { afterLead } from './blocks.js';
import { fromMailSystem } from './sender.js';
import type { PlainRecogniser } from './types.js';

const NOT_DELIVERED = /^\s*was not delivered to:\s*$/im;
const BECAUSE = /^\s*because:\s*$/im;

export const domino: PlainRecogniser = {
  name: 'domino',
  detect: (ctx) =>
    fromMailSystem(ctx) && /^Your message\s*$/im.test(ctx.head) && BECAUSE.test(ctx.head)
      ? NOT_DELIVERED.exec(ctx.head)
      : null,
  parse: (ctx, notDelivered) => {
    const rest = afterLead(ctx.head, notDelivered);
    const because = BECAUSE.exec(rest);
    if (!because) return [];
    const diagnostic = squash(rest.slice(because.index + because[0].length));
    return [...new Set(findAddresses(rest.slice(0, because.index)))].map((address) => ({
      address,
      diagnostic,
    }));
  },
};
