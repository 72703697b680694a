/**
 * Amazon SES event notifications delivered by e-mail through SNS: a JSON body with
 * notificationType Bounce / Delivery / Complaint. Bounce and Delivery carry per-recipient
 * status in the same terms as RFC 3464 (action, status, diagnosticCode, reportingMTA).
 */
import { headerValue } from '../parse/header-block.js';
import type { BounceRecipient } from '../types.js';
import { typedValue } from './dsn.js';

export interface SesNotification {
  type: 'Bounce' | 'Delivery';
  recipients: BounceRecipient[];
  messageId?: string;
}

interface SesRecipient {
  emailAddress?: unknown;
  action?: unknown;
  status?: unknown;
  diagnosticCode?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Parse an SES notification body; null when the body is not one. */
export function parseSesNotification(body: string): SesNotification | null {
  const start = body.indexOf('{"notificationType"');
  if (start < 0) return null;
  let json: unknown;
  try {
    // The JSON object runs to its last brace (SNS appends an unsubscribe footer after it); the
    // mail transport may have wrapped long lines, so line breaks are dropped before parsing.
    json = JSON.parse(body.slice(start, body.lastIndexOf('}') + 1).replace(/\r?\n[ \t]?/g, ''));
  } catch {
    return null;
  }
  const n = json as {
    notificationType?: string;
    bounce?: { bouncedRecipients?: SesRecipient[]; bounceType?: string; reportingMTA?: string };
    delivery?: { recipients?: unknown[]; smtpResponse?: string; reportingMTA?: string };
    mail?: { messageId?: string; headers?: { name?: string; value?: string }[] };
  };
  const originalId = headerValue(n.mail?.headers ?? [], 'message-id');
  if (n.notificationType === 'Bounce' && n.bounce) {
    const temporary = n.bounce.bounceType === 'Transient';
    const recipients = (n.bounce.bouncedRecipients ?? []).flatMap((r): BounceRecipient[] => {
      const address = str(r.emailAddress);
      if (!address) return [];
      const diagnostic = str(r.diagnosticCode);
      return [
        {
          address,
          status: str(r.status) ?? null,
          action: str(r.action) ?? (temporary ? 'delayed' : 'failed'),
          ...(diagnostic ? { diagnostic: typedValue(diagnostic) } : {}),
        },
      ];
    });
    return { type: 'Bounce', recipients, ...(originalId ? { messageId: originalId } : {}) };
  }
  if (n.notificationType === 'Delivery' && n.delivery) {
    const response = str(n.delivery.smtpResponse);
    const recipients = (n.delivery.recipients ?? []).flatMap((a): BounceRecipient[] =>
      typeof a === 'string'
        ? [{ address: a, status: null, action: 'delivered', ...(response ? { diagnostic: response } : {}) }]
        : [],
    );
    return { type: 'Delivery', recipients, ...(originalId ? { messageId: originalId } : {}) };
  }
  return null;
}
