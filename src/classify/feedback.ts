/**
 * RFC 5965 Abuse Reporting Format: multipart/report; report-type=feedback-report with a
 * message/feedback-report part. Also the older Hotmail/Outlook.com complaint mails (a complaint
 * subject with the reported message attached) which predate ARF, and Amazon SES complaint
 * notifications (JSON, notificationType "Complaint").
 */
import type { BounceRecipient, ParsedMail } from '../types.js';
import { parseFieldBlock } from './dsn.js';
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

/** Amazon SES (via SNS e-mail) complaint notification: a JSON body with notificationType Complaint. */
function sesComplaint(body: string): FeedbackResult | null {
  if (!/"notificationType"\s*:\s*"Complaint"/.test(body)) return null;
  const block = /"complainedRecipients"\s*:\s*\[([\s\S]*?)\]/.exec(body)?.[1] ?? '';
  return {
    evidence: ['Amazon SES notificationType Complaint'],
    recipients: findAddresses(block).map((address) => ({ address, status: null, action: null })),
  };
}
