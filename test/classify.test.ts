/**
 * Unit tests of the classifier's pieces on strings and hand-built ParsedMail objects.
 */
import { describe, expect, it } from 'vitest';
import { detectAutoReply } from '../src/classify/auto-reply.js';
import { parseDeliveryStatus } from '../src/classify/dsn.js';
import { classify, describeClassification } from '../src/classify/index.js';
import { findOriginalMessageId } from '../src/classify/original-id.js';
import { findEnhancedStatus, inferStatus, isPermanent } from '../src/classify/status.js';
import type { ParsedMail } from '../src/types.js';
import { parsedMail } from './helpers/parsed-mail.js';

function mail(over: Partial<ParsedMail> & { hdrs?: Record<string, string> }): ParsedMail {
  const { hdrs = {}, ...rest } = over;
  return parsedMail({
    size: 100,
    headers: Object.entries(hdrs).map(([name, value]) => ({ name, value })),
    to: [{ name: '', address: 'support@vendor.example.com' }],
    ...rest,
  });
}

describe('RFC 3464 delivery-status parsing', () => {
  it('reads per-recipient fields, folded lines and address types', () => {
    const r = parseDeliveryStatus(
      'Reporting-MTA: dns; mx.example.com\nArrival-Date: Mon, 1 Jan 2024 00:00:00 +0000\n\n' +
        'Original-Recipient: rfc822;Kim@Example.ORG\nFinal-Recipient: rfc822; kim@example.org\nAction: failed\n' +
        'Status: 5.1.1\nRemote-MTA: dns; mail.example.org\nDiagnostic-Code: smtp; 550 5.1.1 <kim@example.org>:\n' +
        '    Recipient address rejected: User unknown\n\n' +
        'Final-Recipient: rfc822; lee@example.org\nAction: delayed\nStatus: 4.4.7\n',
    );
    expect(r.reportingMta).toBe('mx.example.com');
    expect(r.recipients).toHaveLength(2);
    expect(r.recipients[0]).toMatchObject({
      finalRecipient: 'kim@example.org',
      originalRecipient: 'Kim@Example.ORG',
      action: 'failed',
      status: '5.1.1',
      remoteMta: 'mail.example.org',
      diagnosticCode: '550 5.1.1 <kim@example.org>: Recipient address rejected: User unknown',
    });
    expect(r.recipients[1]).toMatchObject({ finalRecipient: 'lee@example.org', action: 'delayed' });
  });
});

describe('enhanced status', () => {
  it('finds codes and skips IP addresses and versions', () => {
    expect(findEnhancedStatus('host 192.0.2.5 said: 550 5.7.26 unauthenticated')).toBe('5.7.26');
    expect(findEnhancedStatus('Sendmail V8.14.4 no code here')).toBeUndefined();
    expect(findEnhancedStatus('554 4.4.7 Message expired <421 4.4.2 Connection timed out>')).toBe('4.4.2');
  });
  it('infers a status from the reply code and the wording when none is given', () => {
    expect(inferStatus({ diagnostic: '550 Requested action not taken: mailbox full' }).status).toBe(
      '5.0.922',
    );
    expect(inferStatus({ diagnostic: '452 Mailbox over quota, try again later' }).status).toBe('4.0.922');
    expect(
      inferStatus({ diagnostic: '550 5.1.1 <a@b.example>... User unknown (in reply to RCPT TO command)' }),
    ).toMatchObject({
      status: '5.1.1',
      source: 'text',
    });
    expect(inferStatus({ reported: '5.0.0', diagnostic: 'Host or domain name not found' }).status).toBe(
      '5.0.0',
    );
    // No reason named: "on hold" (X.0.901), its class from the reply code.
    expect(inferStatus({ diagnostic: '451 greylisted, come back later' }).status).toBe('4.0.901');
  });
  it('is permanent for class 5 only', () => {
    expect(isPermanent('5.2.2')).toBe(true);
    expect(isPermanent('4.2.2')).toBe(false);
    expect(isPermanent(null)).toBeNull();
  });
});

describe('automatic replies', () => {
  it('reads RFC 3834 Auto-Submitted and tells out-of-office by wording', () => {
    const r = detectAutoReply(
      mail({
        subject: 'Re: your ticket',
        hdrs: { 'Auto-Submitted': 'auto-replied' },
        text: 'I am out of the office until Monday.',
      }),
    );
    expect(r?.kind).toBe('out-of-office');
    expect(detectAutoReply(mail({ subject: 'x', hdrs: { 'Auto-Submitted': 'no' } }))).toBeNull();
  });
  it('recognises out-of-office subjects in several languages', () => {
    for (const subject of [
      'Abwesenheitsnotiz: Ticket 12',
      'Absent du bureau : Facture',
      'Fuera de la oficina: pedido',
      'Afwezig: offerte',
      'Fraværende: faktura',
      'Frånvarande: order',
      '不在通知: お問い合わせ',
    ]) {
      expect(detectAutoReply(mail({ subject }))?.kind, subject).toBe('out-of-office');
    }
    expect(
      detectAutoReply(mail({ subject: 'Automatic reply: Invoice', text: 'Thanks, we got your mail.' }))?.kind,
    ).toBe('auto-reply');
  });
  it('leaves newsletters and a person quoting an auto-reply alone', () => {
    expect(detectAutoReply(mail({ subject: 'March news', hdrs: { Precedence: 'bulk' } }))).toBeNull();
    expect(
      detectAutoReply(mail({ subject: 'Re: Automatic reply: Invoice', text: '> I am out of the office' })),
    ).toBeNull();
    expect(detectAutoReply(mail({ subject: 'Out of office next week, please cover' }))).toBeNull();
  });
});

describe('classify on hand-built mails', () => {
  it('classifies an RFC 3464 report and finds the original Message-Id', () => {
    const c = classify(
      mail({
        from: { name: 'Mail Delivery System', address: 'MAILER-DAEMON@mx.example.com' },
        subject: 'Undelivered Mail Returned to Sender',
        contentType: 'multipart/report',
        contentTypeParams: { 'report-type': 'delivery-status' },
        text: 'I could not deliver your message.',
        captured: [
          {
            contentType: 'message/delivery-status',
            text: 'Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.2.2\n',
            truncated: false,
          },
          {
            contentType: 'text/rfc822-headers',
            text: 'From: me@vendor.example.com\nMessage-ID: <orig-1@vendor.example.com>\n',
            truncated: false,
          },
        ],
      }),
    );
    expect(c.kind).toBe('bounce');
    expect(c.bounce).toMatchObject({
      permanent: true,
      originalMessageId: '<orig-1@vendor.example.com>',
      recipients: [{ address: 'a@example.org', status: '5.2.2', action: 'failed' }],
    });
    expect(describeClassification(c)).toContain('a@example.org 5.2.2 failed');
  });
  it('tells delays and successful delivery reports from bounces', () => {
    const report = (action: string, status: string) =>
      mail({
        contentType: 'multipart/report',
        contentTypeParams: { 'report-type': 'delivery-status' },
        captured: [
          {
            contentType: 'message/delivery-status',
            text: `Final-Recipient: rfc822; a@example.org\nAction: ${action}\nStatus: ${status}\n`,
            truncated: false,
          },
        ],
      });
    expect(classify(report('delayed', '4.4.7')).kind).toBe('delivery-delay');
    expect(classify(report('delayed', '4.4.7')).bounce?.permanent).toBe(false);
    expect(classify(report('delivered', '2.0.0')).kind).toBe('delivery-report');
    expect(classify(report('relayed', '2.0.0')).kind).toBe('delivery-report');
  });
  it('reads a plain-text qmail bounce with its quoted original', () => {
    const text =
      "Hi. This is the qmail-send program at mx.example.com.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n" +
      '<kim@example.org>:\n192.0.2.1 does not like recipient.\nRemote host said: 550 5.1.1 <kim@example.org>: User unknown\n\n' +
      '--- Below this line is a copy of the message.\n\nMessage-ID: <q-1@vendor.example.com>\nFrom: me@vendor.example.com\n';
    const c = classify(
      mail({ from: { name: '', address: 'MAILER-DAEMON@mx.example.com' }, subject: 'failure notice', text }),
    );
    expect(c.kind).toBe('bounce');
    expect(c.bounce?.recipients).toEqual([
      expect.objectContaining({ address: 'kim@example.org', status: '5.1.1' }),
    ]);
    expect(c.bounce?.originalMessageId).toBe('<q-1@vendor.example.com>');
    expect(findOriginalMessageId(mail({ messageId: '<own@x>' }), 'Message-Id: <own@x>\n')).toBeUndefined();
  });
  it('reads feedback reports and read receipts', () => {
    const arf = classify(
      mail({
        contentType: 'multipart/report',
        contentTypeParams: { 'report-type': 'feedback-report' },
        captured: [
          {
            contentType: 'message/feedback-report',
            text: 'Feedback-Type: abuse\nOriginal-Rcpt-To: <kim@example.org>\n',
            truncated: false,
          },
        ],
      }),
    );
    expect(arf.kind).toBe('feedback-report');
    expect(arf.bounce?.recipients[0]?.address).toBe('kim@example.org');
    const mdn = classify(
      mail({
        contentType: 'multipart/report',
        contentTypeParams: { 'report-type': 'disposition-notification' },
        captured: [
          {
            contentType: 'message/disposition-notification',
            text: 'Disposition: manual-action/MDN-sent-manually; displayed\n',
            truncated: false,
          },
        ],
      }),
    );
    expect(mdn.kind).toBe('read-receipt');
    expect(mdn.evidence.join(' ')).toContain('displayed');
  });
  it('keeps a person who writes about a failed delivery a message', () => {
    const c = classify(
      mail({
        from: { name: 'Kim', address: 'kim@customer.example' },
        subject: 'Re: Undeliverable: invoice',
        text: 'Your mail could not be delivered to accounts@customer.example, use kim@customer.example.',
      }),
    );
    expect(c.kind).toBe('message');
  });
});

describe('family recognisers and report quirks', () => {
  const bounceFrom = (address: string, subject: string, text: string, hdrs: Record<string, string> = {}) =>
    classify(mail({ from: { name: '', address }, subject, text, hdrs }));

  it('prefers the actual problem over 4.4.7 (RFC 3463) and knows a failed STARTTLS', () => {
    expect(
      findEnhancedStatus("'550 4.4.7 QUEUE.Expired; message expired' '441 4.4.1 Failed to connect'"),
    ).toBe('4.4.1');
    expect(findEnhancedStatus('421 4.4.7 Delivery time expired')).toBe('4.4.7');
    expect(inferStatus({ diagnostic: '500 Remote server does not support TLS (state 6).' })).toMatchObject({
      status: '5.0.976',
      reason: 'failedstarttls',
    });
  });

  it('splits DSN recipient blocks that lack the blank line between them', () => {
    const r = parseDeliveryStatus(
      'Reporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.2.2\n' +
        'Final-Recipient: rfc822; b@example.org\nAction: failed\nStatus: 5.1.1\n',
    );
    expect(r.recipients.map((x) => [x.finalRecipient, x.status])).toEqual([
      ['a@example.org', '5.2.2'],
      ['b@example.org', '5.1.1'],
    ]);
  });

  it('reads a Sendmail transcript: each reply goes to the next recipient, the command decides', () => {
    const c = bounceFrom(
      'MAILER-DAEMON@mx.example.com',
      'Returned mail: User unknown',
      '   ----- Transcript of session follows -----\nWhile talking to mx.example.org:\n' +
        '>>> MAIL From:<me@vendor.example.com>\n<<< 501 <me@vendor.example.com>... no access from mail server [192.0.2.5] which is an open relay.\n' +
        '554 <kim@example.org>... Remote protocol error\n554 <lee@example.org>... 550 Host unknown\n' +
        'While talking to mx.example.net:\n>>> RCPT To:<sam@example.net>\n<<< 550 No such user here.\n550 <sam@example.net>... User unknown\n' +
        '\n   ----- Unsent message follows -----\nTo: kim@example.org\n',
    );
    expect(c.kind).toBe('bounce');
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([
      ['kim@example.org', '5.0.971'],
      ['lee@example.org', '5.0.912'],
      ['sam@example.net', '5.0.911'],
    ]);
  });

  it('reads Yahoo bounces: the [RCPT_TO] tag, or a reply quoting the recipient, means RCPT', () => {
    const lead = 'Sorry, we were unable to deliver your message to the following address.\n\n';
    const echo = bounceFrom(
      'MAILER-DAEMON@yahoo.com',
      'Failure Notice',
      `${lead}<kim@example.org>:\n550: <kim@example.org>: User unknown\n`,
    );
    expect(echo.bounce?.recipients[0]).toMatchObject({ address: 'kim@example.org', status: '5.0.911' });
    const data = bounceFrom(
      'MAILER-DAEMON@yahoo.com',
      'Failure Notice',
      `${lead}<kim@example.org>:\nRemote host said: 550 User unknown [DATA]\n`,
    );
    expect(data.bounce?.recipients[0]?.status).toBe('5.0.910');
  });

  it('reads au (EZweb) rejections as the recipient filter unless an SMTP reply says otherwise', () => {
    const c = bounceFrom(
      'Postmaster@ezweb.ne.jp',
      'Mail System Error - Returned Mail',
      '<kim@ezweb.ne.jp>\nEach of the following recipients was rejected by a remote mail server.\n',
    );
    expect(c.bounce?.recipients[0]).toMatchObject({ address: 'kim@ezweb.ne.jp', status: '5.0.910' });
    const person = bounceFrom(
      'kim@ezweb.ne.jp',
      'order',
      'The courier could not deliver it.\n<x@shop.example.com>\n',
    );
    expect(person.kind).toBe('message');
  });

  it('reads an fml loop alert as the list address not delivered, and only from the list admin', () => {
    const text =
      'Duplicated Message-ID in <neko@example.co.jp>.\nOriginal mail as follows:\n\n   From: me@vendor.example.com\n';
    const hdrs = { 'X-MLServer': 'fml [fml 4.0.3 release]' };
    const c = bounceFrom(
      'neko-admin@example.co.jp',
      'Loop Alert: Duplicated Message-ID (neko ML)',
      text,
      hdrs,
    );
    expect(c.kind).toBe('bounce');
    expect(c.bounce?.recipients[0]).toMatchObject({ address: 'neko@example.co.jp', status: '5.0.930' });
    expect(bounceFrom('kenji@example.co.jp', 'Loop alert thresholds', text, hdrs).kind).toBe('message');
  });

  it('makes an Exim delay warning a delivery-delay, not judged by its "will give up" boilerplate', () => {
    const c = classify(
      mail({
        from: { name: 'Mail Delivery System', address: 'Mailer-Daemon@mx.example.com' },
        subject: 'Warning: message 1abc-00 delayed 24 hours',
        hdrs: { 'X-Failed-Recipients': 'kim@example.net' },
        text:
          'This message was created automatically by mail delivery software.\nA message that you sent has not yet been delivered to one or more of its recipients after more than 24 hours on the queue on mx.example.com.\n\n' +
          '  kim@example.net\n    host mx.example.net [192.0.2.2]\n    Delay reason: SMTP error from remote mail server after MAIL FROM:<me@vendor.example.com>: 450 service permits 2 unverifyable sending IPs\n\n' +
          'No action is required on your part. Delivery attempts will continue for some time, and this warning may be repeated at intervals if the message remains undelivered. Eventually the mail delivery software will give up, and when that happens, the message will be returned to you.\n',
      }),
    );
    expect(c.kind).toBe('delivery-delay');
    expect(c.bounce?.recipients[0]).toMatchObject({ address: 'kim@example.net', status: '4.0.901' });
  });

  // One sample per plain-text family recogniser (src/classify/plaintext/), in the MTA's own layout.
  const familyOf = (c: ReturnType<typeof classify>) =>
    c.evidence.find((e) => e.startsWith('plain-text bounce'));

  it('reads qmail blocks: "<addr>:" at column 0, "does not like recipient" means RCPT', () => {
    const text =
      "Hi. This is the qmail-send program at mx.example.com.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n" +
      "This is a permanent error; I've given up. Sorry it didn't work out.\n\n" +
      '<kim@example.org>:\n192.0.2.25 does not like recipient.\nRemote host said: 550 User unknown\nGiving up on 192.0.2.25.\n\n' +
      '<lee@example.org>:\n192.0.2.25 does not like recipient.\nRemote host said: 552 5.2.2 <lee@example.org>: Mailbox full\nGiving up on 192.0.2.25.\n\n' +
      '--- Below this line is a copy of the message.\n\nTo: kim@example.org, lee@example.org\n';
    const c = bounceFrom('MAILER-DAEMON@mx.example.com', 'failure notice', text);
    expect(familyOf(c)).toBe('plain-text bounce (qmail)');
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([
      ['kim@example.org', '5.0.911'],
      ['lee@example.org', '5.2.2'],
    ]);
    // The same text forwarded by a person is a message (fixtures/normal/02-forwarded-ndr.eml).
    expect(bounceFrom('kenji@example.co.jp', 'Fwd: failure notice', `FYI\n\n${text}`).kind).toBe('message');
  });

  it('reads Exim blocks: the address indented by two, its explanation by four', () => {
    const c = bounceFrom(
      'Mailer-Daemon@mx.example.com',
      'Mail delivery failed: returning message to sender',
      'This message was created automatically by mail delivery software.\n\n' +
        'A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n' +
        '  kim@example.org\n    SMTP error from remote mail server after RCPT TO:<kim@example.org>:\n    host mx.example.org [192.0.2.1]: 550 No such user here\n' +
        '  lee@example.org\n    SMTP error from remote mail server after end of data:\n    host mx.example.org [192.0.2.1]: 554 5.7.1 Message rejected as spam\n\n' +
        '------ This is a copy of the message, including all the headers. ------\n\nTo: kim@example.org\n',
      { 'X-Failed-Recipients': 'kim@example.org, lee@example.org' },
    );
    expect(familyOf(c)).toBe('plain-text bounce (exim)');
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([
      ['kim@example.org', '5.0.911'],
      ['lee@example.org', '5.7.1'],
    ]);
  });

  it('reads an Exim delay warning listed after "has not yet been delivered is:" as temporary', () => {
    const c = bounceFrom(
      'Mailer-Daemon@mx.example.com',
      'Warning: message 1abc-00 delayed 24 hours',
      'This message was created automatically by mail delivery software.\n' +
        'A message that you sent has not yet been delivered to one or more of its\nrecipients after more than 24 hours on the queue on mx.example.com.\n\n' +
        'The message identifier is:     1abc-00\n\nThe address to which the message has not yet been delivered is:\n\n' +
        '  kim@example.net\n    Delay reason: host mx.example.net [192.0.2.2]: Connection timed out\n\n' +
        'No action is required on your part.\n',
    );
    expect(familyOf(c)).toBe('plain-text bounce (exim)');
    expect(c.kind).toBe('delivery-delay');
    expect(c.bounce?.recipients[0]?.status?.startsWith('4.')).toBe(true);
  });

  it('reads Postfix paragraphs without a DSN part: "<addr>: host ... said:" at column 0', () => {
    const c = bounceFrom(
      'MAILER-DAEMON@mx.example.com',
      'Undelivered Mail Returned to Sender',
      'This is the mail system at host mx.example.com.\n\n' +
        "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\n" +
        '                   The mail system\n\n' +
        '<kim@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1\n    <kim@example.org>: Recipient address rejected: User unknown (in reply to\n    RCPT TO command)\n\n' +
        '<lee@example.org> (expanded from <sales@example.org>): host mx.example.org[192.0.2.1] said:\n    552 Mailbox over quota (in reply to RCPT TO command)\n',
    );
    expect(familyOf(c)).toBe('plain-text bounce (postfix)');
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([
      ['kim@example.org', '5.1.1'],
      ['lee@example.org', '5.0.922'],
    ]);
  });

  it('reads a Domino report: addresses between "was not delivered to:" and "because:"', () => {
    const c = bounceFrom(
      'Postmaster@example.jp',
      'DELIVERY FAILURE: User kim (kim@example.jp) not listed in Domino Directory',
      'Your message\n\n  Subject: Order 42\n\nwas not delivered to:\n\n  kim@example.jp\n\nbecause:\n\n' +
        '  User kim (kim@example.jp) not listed in Domino Directory\n',
    );
    expect(familyOf(c)).toBe('plain-text bounce (domino)');
    expect(c.bounce?.recipients).toEqual([
      expect.objectContaining({ address: 'kim@example.jp', status: '5.0.911' }),
    ]);
  });

  it('reads a Courier report without its DSN part: the ">>>" command names the stage', () => {
    const c = bounceFrom(
      '',
      'NOTICE: mail delivery status.',
      'This is a delivery status notification from mx.example.org,\nrunning the Courier mail server, version 0.65.2.\n\n' +
        'The original message was received on Sat, 11 Dec 2010 12:19:59 +0900\nfrom [127.0.0.1] (localhost [127.0.0.1])\n\n' +
        '---------------------------------------------------------------------------\n\n                           UNDELIVERABLE MAIL\n\n' +
        'Your message to the following recipients cannot be delivered:\n\n<kim@example.co.jp>:\n    mx.example.co.jp [192.0.2.95]:\n' +
        '>>> RCPT TO:<kim@example.co.jp>\n<<< 550 User unknown\n\n',
    );
    expect(familyOf(c)).toBe('plain-text bounce (courier)');
    expect(c.bounce?.recipients[0]).toMatchObject({ address: 'kim@example.co.jp', status: '5.0.911' });
  });

  it('reads an Exchange 2003 report: only the lines after "did not reach", not the original To:', () => {
    const c = bounceFrom(
      'postmaster@example.jp',
      'Undeliverable: Order 42',
      'Your message\n\n  To:      lee@example.com\n  Subject: Order 42\n  Sent:    Thu, 29 Apr 2010 00:00:00 -0000\n\n' +
        'did not reach the following recipient(s):\n\nkim@example.jp on Thu, 29 Apr 2010 00:00:00 -0000\n' +
        '    The recipient name is not recognized\n    MSEXCH:IMS:EXAMPLE:SITE:MX 0 (000C05A6) Unknown Recipient\n',
    );
    expect(familyOf(c)).toBe('plain-text bounce (exchange2003)');
    expect(c.bounce?.recipients).toEqual([
      expect.objectContaining({ address: 'kim@example.jp', status: '5.0.911' }),
    ]);
  });
});
