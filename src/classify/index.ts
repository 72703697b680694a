/**
 * classify(mail): what kind of mail this is — a person's message, a bounce (RFC 3464 / RFC 6533 or a
 * plain-text non-delivery report), a delivery report or delay notice, an automatic reply or
 * out-of-office notice (RFC 3834), an abuse feedback report (RFC 5965) or a read receipt (RFC 8098).
 * Pure and synchronous: ParsedMail in, Classification out.
 */
import type { BounceInfo, BounceRecipient, Classification, MailKind, ParsedMail } from '../types.js';
import { bulkInfo, detectAutoReply } from './auto-reply.js';
import { type DsnReport, looksLikeDeliveryStatus, parseDeliveryStatus } from './dsn.js';
import { detectFeedback } from './feedback.js';
import { bracketedMessageIdInText } from '../message-id.js';
import { findOriginalMessageId } from './original-id.js';
import { parseSesNotification } from './ses.js';
import { withoutBoilerplate } from './plaintext/boilerplate.js';
import { diagnosticsFor, locateRecipients } from './plaintext/generic.js';
import { isDelayNotice } from './plaintext/delay.js';
import { parsePlainBounce, plainBounce, plainContext } from './plaintext/index.js';
import type { PlainContext } from './plaintext/types.js';
import { detectReadReceipt } from './receipt.js';
import { inferStatus, isPermanent } from './status.js';
import { squash } from './text.js';

export { describeClassification } from './describe.js';

const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

export function classify(mail: ParsedMail): Classification {
  const ctx = plainContext(mail);

  const feedback = detectFeedback(mail, ctx.body);
  if (feedback) {
    return {
      kind: 'feedback-report',
      evidence: feedback.evidence,
      bounce: { permanent: null, recipients: feedback.recipients, ...originalId(mail, ctx) },
    };
  }
  const receipt = detectReadReceipt(mail);
  if (receipt) return { kind: 'read-receipt', evidence: receipt };

  const plain = plainBounce(ctx);
  const dsn = fromDeliveryStatus(mail, ctx, plain.evidence !== null);
  if (dsn) return dsn;

  const ses = parseSesNotification(ctx.body);
  if (ses?.recipients.length) {
    const recipients = ses.recipients.map((r) => {
      const inferred = inferStatus({
        reported: r.status,
        diagnostic: r.diagnostic,
        temporary: ses.bounceType === 'Transient' || r.action === 'delayed' ? true : undefined,
        reason: ses.reason,
      });
      return compact({ ...r, status: inferred.status, reason: inferred.reason ?? undefined });
    });
    const c = withKind(recipients, [`Amazon SES notificationType ${ses.type}`], mail, ctx);
    if (ses.messageId && c.bounce && !c.bounce.originalMessageId)
      c.bounce.originalMessageId = bracketedMessageIdInText(ses.messageId);
    return c;
  }

  const plainEvidence = plain.evidence;
  if (plainEvidence) {
    const { recipients, family } = parsePlainBounce(ctx, plain);
    const delayNotice = isDelayNotice(mail.subject, ctx.head);
    if (recipients.length) {
      const list: BounceRecipient[] = recipients.map((r) => {
        const inferred = inferStatus({
          reported: r.status,
          diagnostic: withoutBoilerplate(r.diagnostic),
          temporary: r.temporary ?? (delayNotice ? true : undefined),
          reason: r.reason,
          command: r.command,
        });
        return compact({
          address: r.address,
          status: inferred.status,
          action:
            r.action ??
            (inferred.status?.startsWith('4') && (r.temporary || delayNotice) ? 'delayed' : 'failed'),
          diagnostic: r.diagnostic.slice(0, 1000) || undefined,
          remoteMta: r.remoteMta,
          reason: inferred.reason ?? undefined,
        });
      });
      return withKind(list, [`plain-text bounce (${family})`, ...plainEvidence], mail, ctx);
    }
  }

  const auto = detectAutoReply(mail);
  if (auto) return { kind: auto.kind, evidence: auto.evidence };
  const bulk = bulkInfo(mail);
  return {
    kind: 'message',
    evidence: plainEvidence ? ['bounce-like, but no failed recipient found'] : [],
    ...(bulk ? { bulk } : {}),
  };
}

/**
 * RFC 3464 / RFC 6533 report, from its captured part or (MTAs that inline it) the text body.
 * `bounceLike`: the mail reads as a plain-text bounce (which licenses reading inlined fields).
 */
function fromDeliveryStatus(mail: ParsedMail, ctx: PlainContext, bounceLike: boolean): Classification | null {
  const parts = mail.captured.filter((c) => DSN_TYPES.has(c.contentType));
  const reports: DsnReport[] = parts.map((p) => parseDeliveryStatus(p.text));
  const evidence = parts.map((p) => `${p.contentType} part`);
  const isReport =
    mail.contentType === 'multipart/report' &&
    /delivery-status/.test(mail.contentTypeParams['report-type'] ?? '');
  if (isReport) evidence.unshift(`multipart/report; report-type=${mail.contentTypeParams['report-type']}`);
  if (
    !reports.some((r) => r.recipients.length) &&
    looksLikeDeliveryStatus(ctx.body) &&
    (isReport || bounceLike)
  ) {
    reports.push(
      parseDeliveryStatus(
        ctx.body.slice(ctx.body.search(/^(reporting-mta|final-recipient|original-recipient)\s*:/im)),
      ),
    );
    evidence.push('delivery-status fields in the text');
  }
  // A bounce forwarded as an attachment (or re-wrapped by a gateway) carries its report inside
  // the attached message: read it there when the outer mail is itself a bounce.
  if (!reports.some((r) => r.recipients.length) && (isReport || bounceLike)) {
    for (const part of mail.captured) {
      if (part.contentType !== 'message/rfc822' || !looksLikeDeliveryStatus(part.text)) continue;
      const start = part.text.search(/^(reporting-mta|original-recipient|final-recipient)\s*:/im);
      const end = part.text.indexOf('\n--', start);
      reports.push(parseDeliveryStatus(part.text.slice(start, end < 0 ? undefined : end)));
      evidence.push('delivery-status fields in the attached message');
    }
  }
  const fields = reports.flatMap((r, report) => r.recipients.map((f) => ({ ...f, report })));
  if (fields.length === 0) return null;

  const lines = ctx.head.split('\n');
  const prose = diagnosticsFor(lines, locateRecipients(lines));
  const recipients: BounceRecipient[] = [];
  const seen = new Set<string>();
  for (const f of fields) {
    const address = usableAddress(f.finalRecipient || f.originalRecipient!, f.originalRecipient, prose);
    // The same recipient twice in one report is one failure; two reports (a gateway that
    // concatenated them) are two.
    const key = `${f.report}\u0000${address.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    // A report without Diagnostic-Code often explains the failure in its human-readable part.
    const text =
      f.diagnosticCode || prose.find((p) => p.address.toLowerCase() === address.toLowerCase())?.diagnostic;
    const inferred = inferStatus({
      reported: f.status,
      diagnostic: text,
      temporary: f.action === 'delayed' ? true : undefined,
    });
    const action = f.action ?? (inferred.status?.startsWith('2') ? 'delivered' : 'failed');
    recipients.push(
      compact({
        address,
        status: inferred.status,
        action,
        diagnostic: text ? squash(text).slice(0, 1000) : undefined,
        remoteMta: f.remoteMta,
        originalRecipient: f.originalRecipient,
        reason: inferred.reason ?? undefined,
      }),
    );
  }
  return withKind(recipients, evidence, mail, ctx);
}

/**
 * A Final-Recipient with no local part ("rfc822; @mx.example.org", written by Sendmail when the
 * envelope was rewritten) names no mailbox: take the Original-Recipient, else the recipient the
 * human-readable part names in that domain, else the only one it names.
 */
function usableAddress(address: string, original: string | undefined, prose: { address: string }[]): string {
  if (!address.startsWith('@')) return address;
  if (original && !original.startsWith('@') && original.includes('@')) return original;
  const host = address.slice(1).toLowerCase();
  const inDomain = prose.filter((p) => host.endsWith(p.address.split('@')[1]!.toLowerCase()));
  if (inDomain.length === 1) return inDomain[0]!.address;
  return prose.length === 1 ? prose[0]!.address : address;
}

/** bounce when any recipient failed; delivery-delay when only delays; delivery-report when only successes. */
function withKind(
  recipients: BounceRecipient[],
  evidence: string[],
  mail: ParsedMail,
  ctx: PlainContext,
): Classification {
  const actions = recipients.map((r) => r.action ?? 'failed');
  let kind: MailKind = 'bounce';
  if (!actions.some((a) => a === 'failed')) {
    if (actions.some((a) => a === 'delayed')) kind = 'delivery-delay';
    else if (actions.every((a) => a === 'delivered' || a === 'relayed' || a === 'expanded'))
      kind = 'delivery-report';
  }
  const perms = recipients
    .filter((r) => r.action !== 'delivered' && r.action !== 'relayed' && r.action !== 'expanded')
    .map((r) => isPermanent(r.status));
  const permanent = perms.some((p) => p === true) ? true : perms.some((p) => p === false) ? false : null;
  const bounce: BounceInfo = {
    permanent: kind === 'delivery-report' ? false : permanent,
    recipients,
    ...originalId(mail, ctx),
  };
  return { kind, evidence, bounce };
}

function originalId(mail: ParsedMail, ctx: PlainContext): { originalMessageId?: string } {
  const id = findOriginalMessageId(mail, ctx.body);
  return id ? { originalMessageId: id } : {};
}

/** Drop undefined optional fields so the result stays tidy JSON. */
function compact(r: BounceRecipient): BounceRecipient {
  return Object.fromEntries(
    Object.entries(r).filter(([, v]) => v !== undefined),
  ) as unknown as BounceRecipient;
}
