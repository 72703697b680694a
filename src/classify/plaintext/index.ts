/**
 * Plain-text (non-RFC 3464) bounces: decide whether a mail is one, and read its failed
 * recipients with the first family recogniser that understands it, else the generic reader.
 */
import type { ParsedMail } from '../../types.js';
import { headerValues } from '../../parse/header-block.js';
import { bodyText, findAddresses, isSystemAddress, squash } from '../text.js';
import { returnedOriginalOffset } from './boundaries.js';
import { FAMILIES } from './families.js';
import { parseGeneric } from './generic.js';
import { fromMailSystem } from './sender.js';
import type { PlainContext, PlainRecipient, PlainRecogniser } from './types.js';

export type { PlainContext, PlainRecipient } from './types.js';

/** Subjects MTAs give their non-delivery reports, in the languages they ship. */
const BOUNCE_SUBJECT =
  /undeliver|undelivered|delivery (status notification|failure|failed|has failed|problem|notification|error)|returned mail|mail delivery failed|failure notice|returned to sender|non[- ]?delivery|could not be delivered|mail system error|unzustellbar|nicht zustellbar|non remis|no entregado|non recapitabile|onbestelbaar|kan inte levereras|kunne ikke leveres|ikke levert|message not delivered|could not send message|mail failure|failed delivery|delivery (report|notice)|message delivery has failed|system error|error (sending|delivering)|bounce|メールエラー|エラー通知|未達|送信できませんでした|не доставлено|loop alert|rejected|mail failed/i;

/** Wording of the body that says a delivery failed. */
const FAILURE_WORDING =
  /could not be delivered|couldn't be delivered|wasn't able to deliver|was not (able to be )?delivered|delivery (to the following|has failed|failed|failure|problem)|permanent (fatal )?errors?|undeliverable|unable to deliver|failed permanently|did not reach|could not deliver|not be delivered|error delivering|failed recipients?|returned to sender|user unknown|no such user|message (was )?rejected|rejected by|delivery attempts|the following address(es)? (failed|had)|fatal error|mail (system )?error|transcript of session|mail failed|no valid recipients|failed addresses|could not be delivered|送信できませんでした|送信に失敗|配信できませんでした|не может быть доставлено|non è stato consegnato|n'a pas pu être remis|konnte nicht zugestellt|no se pudo entregar/i;

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
  const subject = BOUNCE_SUBJECT.test(ctx.subject);
  const wording = FAILURE_WORDING.test(ctx.head);
  const replyish = REPLY_PREFIX.test(ctx.subject) && !subject;
  // A person's reply that quotes a bounce keeps a person's From; only mail systems send bounces.
  const evidence: string[] = [];
  // A Re:/Fwd: subject from a person is a reply or forward even when the rest reads "Returned mail".
  const personal = REPLY_PREFIX.test(ctx.subject) && !systemSender;
  if (family && (systemSender || subject || wording) && !replyish && !personal)
    evidence.push(`family ${family.name}`);
  if (systemSender && (subject || wording)) evidence.push(`system sender ${ctx.fromText.trim()}`);
  if (evidence.length === 0) return null;
  if (subject) evidence.push(`subject "${ctx.subject.slice(0, 80)}"`);
  if (wording) evidence.push('failure wording');
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
  // The bounce names no recipient: the returned original's To is who it failed for.
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
