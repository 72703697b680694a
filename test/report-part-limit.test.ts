/**
 * limits.maxReportPartBytes (README limits table: "report part captured truncated"): a report part
 * larger than the limit is kept up to the limit and marked truncated, the mail is not rejected, and
 * the classifier works on what was kept; under the limit the same part is captured whole.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../src/classify/index.js';
import { DEFAULT_LIMITS, resolveLimits } from '../src/limits.js';
import { limitsSchema } from '../src/limits-schema.js';
import { parseMail } from '../src/parse/parse.js';

const LIMIT = 4096;

/**
 * An RFC 3464 bounce whose delivery-status part is ~16 KB: the first recipient's block comes early
 * (its extension fields pad it past LIMIT), the second recipient's block only after the cut.
 */
function bigReport(): { eml: Buffer; reportBytes: number } {
  const padding = Array.from({ length: 300 }, (_, i) => `X-Padding-${i}: ${'p'.repeat(40)}`);
  const body = [
    'Reporting-MTA: dns; mx.example.net',
    '',
    'Final-Recipient: rfc822; early@example.org',
    'Action: failed',
    'Status: 5.1.1',
    ...padding,
    '',
    'Final-Recipient: rfc822; late@example.org',
    'Action: failed',
    'Status: 5.2.2',
    '',
  ].join('\r\n');
  const eml = [
    'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
    'To: support@example.com',
    'Subject: Undelivered Mail Returned to Sender',
    'Message-Id: <big-report@mx.example.net>',
    'Date: Mon, 06 Jan 2025 10:05:00 +0100',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your mail could not be delivered.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    body,
    '--B--',
    '',
  ].join('\r\n');
  return { eml: Buffer.from(eml), reportBytes: Buffer.byteLength(body) };
}

describe('maxReportPartBytes', () => {
  it('a report part over the limit is captured up to the limit, marked truncated, and still classified', async () => {
    const { eml, reportBytes } = bigReport();
    expect(reportBytes).toBeGreaterThan(4 * LIMIT);
    const limits = resolveLimits(limitsSchema.parse({ maxReportPartBytes: LIMIT }));
    const mail = await parseMail(eml, { limits });
    const dsn = mail.captured.filter((c) => c.contentType === 'message/delivery-status');
    expect(dsn).toHaveLength(1);
    expect(dsn[0]!.truncated).toBe(true);
    expect(Buffer.byteLength(dsn[0]!.text)).toBeLessThanOrEqual(LIMIT);
    expect(dsn[0]!.text).toContain('early@example.org');
    expect(dsn[0]!.text).not.toContain('late@example.org');
    // the part itself is still listed at its full size
    expect(mail.parts.find((p) => p.contentType === 'message/delivery-status')?.size).toBeGreaterThan(LIMIT);
    const c = classify(mail);
    expect(c.kind).toBe('bounce');
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([['early@example.org', '5.1.1']]);
  });

  it('under the (default) limit the same part is captured whole', async () => {
    const { eml, reportBytes } = bigReport();
    expect(reportBytes).toBeLessThan(DEFAULT_LIMITS.maxReportPartBytes);
    const mail = await parseMail(eml);
    const dsn = mail.captured.find((c) => c.contentType === 'message/delivery-status');
    expect(dsn?.truncated).toBe(false);
    expect(dsn?.text).toContain('late@example.org');
    const c = classify(mail);
    expect(c.bounce?.recipients.map((r) => r.address)).toEqual(['early@example.org', 'late@example.org']);
  });
});
