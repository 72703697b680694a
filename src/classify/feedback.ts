/**
 * RFC 5965 Abuse Reporting Format: multipart/report; report-type=feedback-report with a
 * message/feedback-report part. Also the older Hotmail/Outlook.com complaint mails (a complaint
 * subject with the reported message attached) which predate ARF, and Amazon SES complaint
 * notifications (JSON, notificationType or eventType "Complaint", bare or in an SNS envelope).
 */
import type { BounceRecipient, ParsedMail } from '../types.js';
import { parseFieldBlock } from './dsn.js';
import { sesJson, sesType } from './ses.js';
import { cleanAddress, findAddresses } from './text.js';

export interface FeedbackResult {
  evidence: string[];
  recipients: BounceRecipient[];
}

const COMPLAINT_SUBJECT = /^\s*complaint about message from|^\s*(abuse|spam|fraud) (report|complaint)\b/i;

export function detectFeedback(mail: ParsedMail, body: string): FeedbackResult | null {
  const report = mail.captured.find((c) => c.contentType === 'message/feedback-report');
  const byType =
    mail.contentType === 'multipart/report' && mail.contentTypeParams['report-type'] === 'feedback-report';
  if (report || byType) {
    const evidence = [
      byType ? 'multipart/report; report-type=feedback-report' : 'message/feedback-report part',
    ];
    const fields = report ? parseFieldBlock(report.text) : new Map<string, string>();
    if (fields.has('feedback-type')) evidence.push(`Feedback-Type: ${fields.get('feedback-type')}`);
    const rcpt = [...(report?.text.matchAll(/^original-rcpt-to\s*:\s*(.+)$/gim) ?? [])]
      .map((m) => cleanAddress(m[1]!))
      .filter(Boolean);
    return { evidence, recipients: rcpt.map((address) => ({ address, status: null, action: null })) };
  }
  const ses = sesComplaint(body);
  if (ses) return ses;
  if (COMPLAINT_SUBJECT.test(mail.subject) && mail.captured.some((c) => c.contentType === 'message/rfc822')) {
    const original = mail.captured.find((c) => c.contentType === 'message/rfc822')!;
    const rcpt = /^x-hmxmroriginalrecipient\s*:\s*(.+)$/im.exec(original.text)?.[1];
    return {
      evidence: [
        `complaint subject "${mail.subject.trim().slice(0, 60)}" with the reported message attached`,
      ],
      recipients: rcpt ? [{ address: cleanAddress(rcpt), status: null, action: null }] : [],
    };
  }
  return null;
}

/**
 * Amazon SES complaint notification: a JSON body (notificationType or eventType "Complaint"),
 * bare or in its SNS envelope (./ses.ts).
 */
function sesComplaint(body: string): FeedbackResult | null {
  const n = sesJson(body);
  if (!n || sesType(n) !== 'Complaint') return null;
  const list = n.complaint?.complainedRecipients ?? [];
  const addresses = list.flatMap((r) => (typeof r.emailAddress === 'string' ? [r.emailAddress] : []));
  return {
    evidence: [`Amazon SES ${n.notificationType ? 'notificationType' : 'eventType'} Complaint`],
    recipients: [...new Set(addresses.flatMap((a) => findAddresses(a)))].map((address) => ({
      address,
      status: null,
      action: null,
    })),
  };
}
