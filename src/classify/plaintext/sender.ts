/**
 * Who sends non-delivery reports: mail systems, never people. A family recogniser keys on the
 * sender too, so that a person who pastes or forwards a bounce (fixtures/normal) is not read as one.
 */
import type { PlainContext } from './types.js';

/**
 * Senders that are mail systems (RFC 5321 postmaster, the traditional MAILER-DAEMON, vendors;
 * "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e" is the system mailbox Exchange and
 * Office 365 send their reports from; "mailer@<host>" is the From of the one-line notices of
 * several small MTAs).
 */
export const SYSTEM_SENDER =
  /^(mailer-daemon|mailer_daemon|mail-daemon|maildaemon|postmaster|post_master|mail\.?delivery|mailadmin|mail-?admin|mmdf|smtp-gateway|bounce[s]?|daemon|no-?reply|nobody|root|double-bounce|sysadmin|system|microsoftexchange[0-9a-f]{32})\b|^mailer@/i;
export const SYSTEM_NAME =
  /mail delivery (system|subsystem|service)|mailer[- ]daemon|postmaster|system administrator|mail administrator|mail system|delivery (subsystem|status)|mail(er)? (delivery )?daemon|\bNDR\b/i;

/**
 * The administrative addresses of mailing-list managers, which pass on (or send themselves) the
 * non-delivery reports of list mail: Mailman's "<list>-bounces@" and "<list>-owner@" (with its
 * VERP suffix "<list>-bounces+<mailbox>=<host>@"), Majordomo's and fml's "owner-<list>@", ezmlm's
 * and LISTSERV's "<list>-owner@" / "owner-<list>@", "<list>-request@" and "<list>-admin@". A person's
 * post to a list keeps the person's From (the list sets Sender), so these are never a poster.
 */
const LIST_MANAGER = /^owner-[^@]+@|^[^@]+-(bounces?|owner|admin|request)(\+[^@]*)?@/i;

/**
 * True when the From is a mailing-list manager's address. Such an address also sends digests and
 * moderation notices, so it makes a bounce only with a bounce subject (./index.ts), not wording
 * alone.
 */
export function fromListManager(ctx: PlainContext): boolean {
  return LIST_MANAGER.test(ctx.fromAddress);
}

/**
 * True when the From is a mail system. An empty From counts: RFC 5321 section 4.5.5 sends
 * bounces with a null reverse-path, and some MTAs copy that into an empty From.
 */
export function fromMailSystem(ctx: PlainContext): boolean {
  return (
    ctx.fromAddress === '' ||
    SYSTEM_SENDER.test(ctx.fromAddress) ||
    SYSTEM_NAME.test(ctx.mail.from?.name ?? '')
  );
}
