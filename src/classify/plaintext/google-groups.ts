/**
 * Google Groups: a post to a group that does not exist or does not accept the sender comes back
 * from mailer-daemon@googlemail.com in the sender's language, naming the group only in
 * X-Failed-Recipients. It is a refusal of the sender, not a missing mailbox.
 */
import { headerValues } from '../../parse/header-block.js';
import { findAddresses, squash } from '../text.js';
import type { PlainRecogniser } from './types.js';

/** Found: the X-Failed-Recipients values, one of which names a group. */
export const googleGroups: PlainRecogniser<string[]> = {
  name: 'google-groups',
  detect: (ctx) => {
    if (!/@google(mail)?\.com$/.test(ctx.fromAddress)) return null;
    const failed = headerValues(ctx.mail.headers, 'x-failed-recipients');
    return failed.some((v) => /@googlegroups\.com\b/i.test(v)) ? failed : null;
  },
  parse: (ctx, failed) =>
    failed
      .flatMap((v) => findAddresses(v))
      .map((address) => ({
        address,
        diagnostic: squash(ctx.head).slice(0, 500),
        reason: 'rejected' as const,
      })),
};
