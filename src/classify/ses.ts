/**
 * Amazon SES event notifications delivered by e-mail: a JSON body with notificationType (SES
 * notifications) or eventType (SES event publishing) Bounce / Delivery / DeliveryDelay /
 * Complaint, either as the mail's body itself or wrapped in an SNS envelope ({"Type":
 * "Notification", "Message": "<the notification as a JSON string>", ...}). Bounce and Delivery
 * carry per-recipient status in the same terms as RFC 3464 (action, status, diagnosticCode,
 * reportingMTA). Field names follow the SES Developer Guide ("Contents of notifications for
 * Amazon SES", "Contents of event data that Amazon SES publishes to Amazon SNS").
 */
import { headerValue } from '../parse/header-block.js';
import type { BounceRecipient } from '../types.js';
import { typedValue } from './dsn.js';
import type { Reason } from './wording.js';

/** What SES's bounceSubType says of the failure (SES Developer Guide, "Bounce types"). */
const SUBTYPE_REASON: Record<string, Reason> = {
  NoEmail: 'userunknown',
  MailboxFull: 'mailboxfull',
  MessageTooLarge: 'mesgtoobig',
  ContentRejected: 'contenterror',
  AttachmentRejected: 'contenterror',
};

export interface SesNotification {
  type: 'Bounce' | 'Delivery' | 'DeliveryDelay';
  recipients: BounceRecipient[];
  messageId?: string;
  /** Bounce: "Permanent", "Transient" or "Undetermined". */
  bounceType?: string;
  /** The reason bounceSubType names, for recipients whose report gives no status or code. */
  reason?: Reason;
}

interface SesRecipient {
  emailAddress?: unknown;
  action?: unknown;
  status?: unknown;
  diagnosticCode?: unknown;
}

/** The fields of a notification this module reads. */
export interface SesJson {
  notificationType?: string;
  eventType?: string;
  bounce?: {
    bouncedRecipients?: SesRecipient[];
    bounceType?: string;
    bounceSubType?: string;
    reportingMTA?: string;
  };
  delivery?: { recipients?: unknown[]; smtpResponse?: string; reportingMTA?: string };
  deliveryDelay?: { delayedRecipients?: SesRecipient[]; reportingMTA?: string };
  complaint?: { complainedRecipients?: SesRecipient[] };
  mail?: {
    messageId?: string;
    sourceArn?: string;
    headers?: { name?: string; value?: string }[];
    commonHeaders?: { messageId?: string };
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The SES notification in a mail body, unwrapped from its SNS envelope; undefined when the body
 * holds none. The JSON object runs to its last brace (SNS appends an unsubscribe footer after
 * it); the transport may have wrapped long lines, so line breaks are dropped before parsing.
 */
export function sesJson(body: string): SesJson | undefined {
  if (!/"(notificationType|eventType)\\?"\s*:|"Type"\s*:\s*"Notification"/.test(body)) return undefined;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  const slice = body.slice(start, end + 1);
  let json = parseJson(slice) ?? parseJson(slice.replace(/\r?\n[ \t]?/g, ''));
  // SNS envelope (SNS "HTTP/S and email-json" message format): the notification is a string.
  const envelope = json as { Type?: unknown; Message?: unknown } | undefined;
  if (envelope?.Type === 'Notification' && typeof envelope.Message === 'string')
    json = parseJson(envelope.Message);
  const n = json as SesJson | undefined;
  if (!n || typeof n !== 'object') return undefined;
  return n.notificationType || n.eventType ? n : undefined;
}

/** The notification's type (notificationType, or eventType of event publishing). */
export function sesType(n: SesJson): string | undefined {
  return n.notificationType ?? n.eventType;
}

/**
 * The Message-ID of the mail SES sent: the original's own header (headers, or commonHeaders in
 * newer notifications), else the one SES assigns from its message id: "<messageId>@email.
 * amazonses.com" in us-east-1, "<messageId>@<region>.amazonses.com" elsewhere, the region read
 * from the identity's ARN or the reporting MTA's host name.
 */
function originalMessageId(n: SesJson, reportingMta: string | undefined): string | undefined {
  const own = headerValue(n.mail?.headers ?? [], 'message-id') ?? str(n.mail?.commonHeaders?.messageId);
  if (own) return own;
  const id = str(n.mail?.messageId);
  if (!id || !/^[0-9a-f-]+$/i.test(id)) return undefined;
  const region =
    /^arn:aws:ses:([a-z0-9-]+):/.exec(n.mail?.sourceArn ?? '')?.[1] ??
    /\.([a-z]{2}-[a-z]+-\d)\.amazonses\.com/.exec(reportingMta ?? '')?.[1];
  const host = !region || region === 'us-east-1' ? 'email.amazonses.com' : `${region}.amazonses.com`;
  return `<${id}@${host}>`;
}

function recipientsOf(list: SesRecipient[] | undefined, action: string): BounceRecipient[] {
  return (list ?? []).flatMap((r): BounceRecipient[] => {
    const address = str(r.emailAddress);
    if (!address) return [];
    const diagnostic = str(r.diagnosticCode);
    return [
      {
        address,
        status: str(r.status) ?? null,
        action: str(r.action) ?? action,
        ...(diagnostic ? { diagnostic: typedValue(diagnostic) } : {}),
      },
    ];
  });
}

/** Parse an SES notification body; null when the body is not one (or is a complaint). */
export function parseSesNotification(body: string): SesNotification | null {
  const n = sesJson(body);
  if (!n) return null;
  const type = sesType(n);
  if (type === 'Bounce' && n.bounce) {
    // SES sends a bounce notification once it stops trying (whatever bounceType says: Transient
    // means a later message may succeed, not that this one is still queued), so the recipient
    // failed; a Transient bounce without a status or code is a temporary failure (./index.ts).
    const recipients = recipientsOf(n.bounce.bouncedRecipients, 'failed');
    const messageId = originalMessageId(n, n.bounce.reportingMTA);
    const bounceType = str(n.bounce.bounceType);
    const reason = SUBTYPE_REASON[str(n.bounce.bounceSubType) ?? ''];
    return {
      type: 'Bounce',
      recipients,
      ...(messageId ? { messageId } : {}),
      ...(bounceType ? { bounceType } : {}),
      ...(reason ? { reason } : {}),
    };
  }
  if (type === 'DeliveryDelay' && n.deliveryDelay) {
    const recipients = recipientsOf(n.deliveryDelay.delayedRecipients, 'delayed');
    const messageId = originalMessageId(n, n.deliveryDelay.reportingMTA);
    return { type: 'DeliveryDelay', recipients, ...(messageId ? { messageId } : {}) };
  }
  if (type === 'Delivery' && n.delivery) {
    const response = str(n.delivery.smtpResponse);
    const recipients = (n.delivery.recipients ?? []).flatMap((a): BounceRecipient[] =>
      typeof a === 'string'
        ? [{ address: a, status: null, action: 'delivered', ...(response ? { diagnostic: response } : {}) }]
        : [],
    );
    const messageId = originalMessageId(n, n.delivery.reportingMTA);
    return { type: 'Delivery', recipients, ...(messageId ? { messageId } : {}) };
  }
  return null;
}
