/**
 * Plain-text (non-RFC 3464) bounces: decide whether a mail is one, and read its failed
 * recipients with the first family recogniser that understands it, else the generic reader.
 */
import type { ParsedMail } from '../../types.js';
import { headerValues } from '../../parse/header-block.js';
import { bodyText, findAddresses, isSystemAddress, phrases, squash } from '../text.js';
import { returnedOriginalOffset } from './boundaries.js';
import { DELAY_SUBJECT, DELAY_WORDING } from './delay.js';
import { FAMILIES } from './families.js';
import { parseGeneric } from './generic.js';
import { fromListManager, fromMailSystem } from './sender.js';
import type { PlainContext, PlainRecipient, PlainRecogniser } from './types.js';

export type { PlainContext, PlainRecipient } from './types.js';

/*
 * A source "(lhost-x)" means the phrase stands in that family's samples of the libsisimai corpus
 * (fixtures/bounce-corpus); a language alone means no sample of ours shows it.
 */

/** Subjects MTAs give their non-delivery reports, in the languages they ship. */
const BOUNCE_SUBJECT = phrases([
  'undeliver', // "Undeliverable: <subject>" (lhost-exchange2003, lhost-exchange2007, lhost-office365)
  'undelivered', // Postfix "Undelivered Mail Returned to Sender" (src/bounce/bounce_template.c)
  'delivery status notification', // "Delivery Status Notification (Failure)" (lhost-gmail, lhost-outlook)
  'delivery failure', // Domino "DELIVERY FAILURE: <reason>" (lhost-domino), (lhost-mimecast)
  'delivery failed', // see "mail delivery failed"
  'delivery has failed', // (lhost-mailfoundry, lhost-messagingserver)
  'delivery problem',
  'delivery notification', // (lhost-messagingserver)
  'delivery error',
  'returned mail', // Sendmail "Returned mail: see transcript for details" (lhost-sendmail)
  'mail delivery failed', // Exim "Mail delivery failed: returning message to sender" (lhost-exim)
  'failure notice', // qmail (lhost-qmail), Yahoo (lhost-yahoo)
  'returned to sender', // Postfix, as "undelivered"
  'non[- ]?delivery',
  'could not be delivered', // (lhost-trendmicro, rhost-facebook)
  'mail system error', // au (KDDI) "Mail System Error - Returned Mail" (lhost-ezweb)
  'unzustellbar', // German
  'nicht zustellbar', // German
  'non remis', // French
  'no entregado', // Spanish
  'non recapitabile', // Italian (lhost-exchange2007)
  'onbestelbaar', // Dutch
  'kan inte levereras', // Swedish
  'kunne ikke leveres', // Danish, Norwegian
  'ikke levert', // Norwegian
  'message not delivered',
  'could not send message', // Sendmail's delay warning (lhost-sendmail)
  'mail failure', // (lhost-mailru)
  'failed delivery', // (lhost-x2)
  'delivery report', // PowerMTA (lhost-powermta)
  'delivery notice',
  'message delivery has failed', // (lhost-mailfoundry)
  'system error', // (lhost-ezweb)
  'error sending', // (lhost-x6)
  'error delivering',
  'bounce',
  'メールエラー', // Japanese (lhost-kddi)
  'エラー通知', // Japanese (lhost-kddi)
  '未達', // Japanese
  '送信できませんでした', // Japanese
  'не доставлено', // Russian (lhost-mailru)
  'loop alert', // fml "Loop Alert: Duplicated Message-ID" (lhost-fml; ./fml.ts)
  'rejected',
  'mail failed', // (rfc3464)
]);

/** Wording of the body that says a delivery failed. */
const FAILURE_WORDING = phrases([
  'could not be delivered', // (lhost-exim, lhost-gmx, lhost-kddi, lhost-mailru, lhost-postfix)
  "couldn't be delivered", // (lhost-office365)
  "wasn't able to deliver", // qmail "I wasn't able to deliver your message" (lhost-qmail; ./qmail.ts)
  'was not (able to be )?delivered', // Domino "was not delivered to:" (lhost-domino; ./domino.ts)
  'delivery to the following', // (lhost-gmail, lhost-outlook)
  'delivery has failed', // Exchange 2007, Office 365 (lhost-exchange2007, lhost-office365)
  'delivery failed', // (lhost-exchange2007, lhost-powermta)
  'delivery failure', // (lhost-x2)
  'delivery problem', // (lhost-biglobe, lhost-mcafee)
  'permanent (fatal )?errors?', // Exim, qmail, Sendmail (lhost-exim, lhost-qmail, lhost-sendmail)
  'undeliverable', // (lhost-amazonses, lhost-courier)
  'unable to deliver', // (lhost-amazonworkmail, lhost-yahoo)
  'failed permanently', // Gmail "Delivery to the following recipient failed permanently" (lhost-gmail)
  'did not reach', // Exchange 2003 "did not reach the following recipient(s)" (lhost-exchange2003)
  'could not deliver', // (lhost-dragonfly, lhost-exim)
  'not be delivered', // (lhost-courier, lhost-messagingserver)
  'error delivering', // (lhost-dragonfly)
  'failed recipients?',
  'returned to sender', // (lhost-postfix)
  'user unknown', // (lhost-courier, lhost-exim, lhost-gmail)
  'no such user', // (lhost-postfix, lhost-v5sendmail)
  'message (was )?rejected', // (lhost-exim, lhost-office365, lhost-postfix)
  'rejected by', // (lhost-exim, lhost-gmail)
  'delivery attempts', // Exim's delay warning (lhost-exim; ./boilerplate.ts)
  'the following address(es)? (failed|had)', // Exim "The following address(es) failed" (./exim.ts)
  'fatal error', // Sendmail (lhost-sendmail)
  'mail (system )?error',
  'transcript of session', // Sendmail "----- Transcript of session follows -----" (./sendmail.ts)
  'mail failed',
  'no valid recipients', // (lhost-sendmail, lhost-verizon)
  'failed addresses', // (rfc3464)
  '送信できませんでした', // Japanese (lhost-ezweb, lhost-kddi)
  '送信に失敗', // Japanese (lhost-mfilter)
  '配信できませんでした', // Japanese (lhost-postfix)
  'не может быть доставлено', // Russian (lhost-mailru)
  'non è stato consegnato', // Italian
  "n'a pas pu être remis", // French
  'konnte nicht zugestellt', // German
  'no se pudo entregar', // Spanish
]);

const REPLY_PREFIX = /^\s*(re|aw|sv|vs|antw|r|rif|ref|fw|fwd|wg|tr|doorst|rv|enc)\s*(\[\d+\])?\s*:/i;

export function plainContext(mail: ParsedMail): PlainContext {
  const body = bodyText(mail);
  return {
    mail,
    fromAddress: (mail.from?.address ?? '').toLowerCase(),
    fromText: `${mail.from?.name ?? ''} <${mail.from?.address ?? ''}>`,
    subject: mail.subject,
    body,
    head: body.slice(0, returnedOriginalOffset(body)),
  };
}

/** A family that recognises the mail, with what its detect found (handed to its parse). */
interface Detected {
  family: PlainRecogniser<unknown>;
  found: unknown;
}

/** What is known of a mail as a plain-text bounce; computed once per mail (plainBounce). */
export interface PlainBounce {
  /** Evidence that the mail is a plain-text bounce, or null when it is not one. */
  evidence: string[] | null;
  /** The families that recognise it, in FAMILIES order. */
  detected: Detected[];
}

export function plainBounce(ctx: PlainContext): PlainBounce {
  const detected = FAMILIES.flatMap((family): Detected[] => {
    const found = family.detect(ctx);
    return found === null ? [] : [{ family, found }];
  });
  return { evidence: evidenceOf(ctx, detected[0]?.family), detected };
}

function evidenceOf(ctx: PlainContext, family: PlainRecogniser<unknown> | undefined): string[] | null {
  const failed = headerValues(ctx.mail.headers, 'x-failed-recipients');
  if (failed.length) return [`X-Failed-Recipients: ${failed.join(', ')}`];
  const systemSender = fromMailSystem(ctx);
  // Delay warnings without a DSN part are reports too (Postfix, Exim, Sendmail, Exchange, Gmail).
  const subject = BOUNCE_SUBJECT.test(ctx.subject) || DELAY_SUBJECT.test(ctx.subject);
  // Read only where it decides something: most mail is from a person, with no family and no bounce
  // subject, and never needs the two scans of its whole text (issue 15, eighth session).
  let wordingFound: boolean | undefined;
  const wording = () => (wordingFound ??= FAILURE_WORDING.test(ctx.head) || DELAY_WORDING.test(ctx.head));
  const replyish = REPLY_PREFIX.test(ctx.subject) && !subject;
  // A person's reply that quotes a bounce keeps a person's From; only mail systems send bounces.
  const evidence: string[] = [];
  // A Re:/Fwd: subject from a person is a reply or forward even when the rest reads "Returned mail".
  const personal = REPLY_PREFIX.test(ctx.subject) && !systemSender;
  if (family && (systemSender || subject || wording()) && !replyish && !personal)
    evidence.push(`family ${family.name}`);
  if (systemSender && (subject || wording())) evidence.push(`system sender ${ctx.fromText.trim()}`);
  // A list manager passing on (or writing) a failure notice: its bounce subject is the evidence.
  else if (fromListManager(ctx) && subject && !replyish) evidence.push(`list manager ${ctx.fromText.trim()}`);
  if (evidence.length === 0) return null;
  if (subject) evidence.push(`subject "${ctx.subject.slice(0, 80)}"`);
  if (wording()) evidence.push('failure wording');
  return evidence;
}

/** The failed recipients of a plain-text bounce: the first recognising family that finds any. */
export function parsePlainBounce(
  ctx: PlainContext,
  { detected }: PlainBounce,
): { recipients: PlainRecipient[]; family: string } {
  const failed = headerValues(ctx.mail.headers, 'x-failed-recipients').flatMap((v) => findAddresses(v));
  for (const { family, found } of detected) {
    const recipients = family.parse(ctx, found);
    if (recipients.length) return { recipients, family: family.name };
  }
  const generic = parseGeneric(ctx, failed);
  if (generic.length) return { recipients: generic, family: 'generic' };
  // The bounce names no recipient: a VERP return address says whom the mail was for, else the
  // returned original's To is who it failed for.
  const verp = verpRecipients(ctx);
  if (verp.length)
    return {
      recipients: verp.map((address) => ({ address, diagnostic: squash(ctx.head).slice(0, 1000) })),
      family: 'verp',
    };
  const to = originalRecipients(ctx);
  return {
    recipients: to.map((address) => ({ address, diagnostic: squash(ctx.head).slice(0, 1000) })),
    family: 'original-to',
  };
}

/** The To/Cc addresses of the returned original (attached, or quoted after the bounce's prose). */
function originalRecipients(ctx: PlainContext): string[] {
  const attached = ctx.mail.captured.find((c) => /rfc822|global|headers/.test(c.contentType))?.text;
  const block = (attached ?? ctx.body.slice(ctx.head.length)).replace(/\r\n?/g, '\n').replace(/^\s+/, '');
  const head = block.split(/\n[ \t]*\n/)[0] ?? '';
  const fields = head.replace(/\n[ \t]+/g, ' ').split('\n');
  const to = fields
    .filter((l) => /^(to|cc)\s*:/i.test(l))
    .flatMap((l) => findAddresses(l.replace(/^[^:]*:/, '')));
  return to.filter((a) => !isSystemAddress(a));
}

/**
 * The recipient a VERP return address encodes (Variable Envelope Return Paths, as Mailman writes
 * them: "<list>-bounces+<mailbox>=<host>@<list host>", Mailman's VERP_FORMAT; ezmlm's
 * "<list>-return-<n>-<mailbox>=<host>@<list host>"): the bounce was sent to it, so the failed
 * recipient is "<mailbox>@<host>".
 */
function verpRecipients(ctx: PlainContext): string[] {
  const out: string[] = [];
  for (const to of [
    ...ctx.mail.to,
    ...headerValues(ctx.mail.headers, 'delivered-to').map((address) => ({ address })),
  ]) {
    const m = /^[^@+]+-(?:bounces\+|return-\d+-)([^@=+]+)=([a-z0-9.-]+\.[a-z]{2,})@/i.exec(to.address);
    const address = m ? `${m[1]}@${m[2]}` : '';
    if (address && !out.some((a) => a.toLowerCase() === address.toLowerCase())) out.push(address);
  }
  return out;
}
