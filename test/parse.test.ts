import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../src/limits.js';
import { parseMailDate, receivedDate } from '../src/parse/date.js';
import { derivedMessageId } from '../src/message-id.js';
import { parseMail } from '../src/parse/parse.js';

const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8');

const PLAIN = `Received: from mx.example.org by mail.example.com; Tue, 5 Mar 2024 10:21:00 +0100
From: "Kari Nordmann" <kari@example.no>
To: support@example.com, "Ola, Jr." <ola@example.no>
Cc: =?UTF-8?B?w5hyamFu?= <orjan@example.no>
Subject: =?ISO-8859-1?Q?Sp=F8rsm=E5l_om_faktura?=
Date: Tue, 5 Mar 2024 10:20:30 +0100 (CET)
Message-ID: <abc.123@example.no>
In-Reply-To: <parent@example.com>
References: <root@example.com>
 <parent@example.com>
Content-Type: text/plain; charset=utf-8

Hei, jeg lurer på fakturaen.
`;

describe('parseMail', () => {
  it('parses a plain CRLF mail and keeps the header block byte for byte', async () => {
    const raw = crlf(PLAIN);
    const mail = await parseMail(raw);
    expect(mail.headerBlock).toBe(raw.subarray(0, raw.indexOf('\r\n\r\n') + 2).toString('utf8'));
    expect(mail.subject).toBe('Spørsmål om faktura');
    expect(mail.from).toEqual({ name: 'Kari Nordmann', address: 'kari@example.no' });
    expect(mail.to.map((a) => a.address)).toEqual(['support@example.com', 'ola@example.no']);
    expect(mail.cc).toEqual([{ name: 'Ørjan', address: 'orjan@example.no' }]);
    expect(mail.date).toBe('2024-03-05T10:20:30+01:00');
    expect(mail.receivedDates).toEqual(['2024-03-05T10:21:00+01:00']);
    expect(mail.messageId).toBe('<abc.123@example.no>');
    expect(mail.inReplyTo).toBe('<parent@example.com>');
    expect(mail.references).toBe('<root@example.com> <parent@example.com>');
    expect(mail.text?.trim()).toBe('Hei, jeg lurer på fakturaen.');
    expect(mail.size).toBe(raw.length);
    expect(mail.problems).toEqual([]);
  });

  it('parses the same mail with LF line endings', async () => {
    const mail = await parseMail(Buffer.from(PLAIN));
    expect(mail.subject).toBe('Spørsmål om faktura');
    expect(mail.headerBlock.endsWith('charset=utf-8\n')).toBe(true);
  });

  it('captures delivery-status and the returned headers, drains other attachments', async () => {
    const big = 'A'.repeat(76);
    const raw = crlf(`From: MAILER-DAEMON@mx.example.org
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.org>
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.
--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; gone@example.net
Action: failed
Status: 5.1.1
--B
Content-Type: text/rfc822-headers

From: support@example.com
Message-ID: <original@example.com>
Subject: Re: your ticket
--B
Content-Type: application/octet-stream; name="blob.bin"
Content-Transfer-Encoding: base64

${`${big}\n`.repeat(200)}--B--
`);
    const mail = await parseMail(raw);
    expect(mail.contentType).toBe('multipart/report');
    expect(mail.contentTypeParams['report-type']).toBe('delivery-status');
    const types = mail.captured.map((c) => c.contentType);
    expect(types).toEqual(['message/delivery-status', 'text/rfc822-headers']);
    expect(mail.captured[0]!.text).toContain('Status: 5.1.1');
    expect(mail.captured[1]!.text).toContain('<original@example.com>');
    expect(mail.attachments).toEqual([
      { filename: 'blob.bin', contentType: 'application/octet-stream', size: 11400 },
    ]);
  });

  it('keeps inline images within the per-mail budget only', async () => {
    const png = Buffer.alloc(3000, 7).toString('base64');
    const part = (cid: string) =>
      `--R\nContent-Type: image/png\nContent-ID: <${cid}>\nContent-Transfer-Encoding: base64\n\n${png}\n`;
    const raw = Buffer.from(
      `From: a@example.com\nSubject: img\nContent-Type: multipart/related; boundary="R"\n\n--R\nContent-Type: text/html\n\n<p><img src="cid:one"><img src="cid:two"></p>\n${part('one')}${part('two')}--R--\n`,
    );
    const mail = await parseMail(raw, { limits: resolveLimits({ maxInlineImageBytes: 4000 }) });
    expect(mail.inlineImages.map((i) => [i.contentId, i.size, i.base64 !== undefined])).toEqual([
      ['one', 3000, true],
      ['two', 3000, false],
    ]);
  });

  it('rejects empty mail, oversized mail and oversized header blocks with clear codes', async () => {
    await expect(parseMail(Buffer.alloc(0))).rejects.toMatchObject({ code: 'E_MAIL_EMPTY' });
    await expect(
      parseMail(crlf(PLAIN), { limits: resolveLimits({ maxMailBytes: 100 }) }),
    ).rejects.toMatchObject({ code: 'E_MAIL_TOO_LARGE', message: expect.stringContaining('maxMailBytes') });
    await expect(
      parseMail(Buffer.from(`X-Long: ${'x'.repeat(5000)}\n\nbody`), {
        limits: resolveLimits({ maxHeaderBytes: 1024 }),
      }),
    ).rejects.toMatchObject({ code: 'E_HEADER_TOO_LARGE' });
  });

  it('notes an unparsable Date and a missing Message-Id instead of failing', async () => {
    const mail = await parseMail(Buffer.from('From: a@example.com\nDate: sometime soon\nSubject: x\n\nhi\n'));
    expect(mail.date).toBeUndefined();
    expect(mail.messageId).toBeUndefined();
    expect(mail.problems.join()).toContain('unparsable Date header');
  });
});

it('keeps the body as text when a multipart boundary never occurs (RFC 2046 5.1.1)', async () => {
  const mail = await parseMail(
    Buffer.from(
      'From: MAILER-DAEMON@x\nSubject: failed\nContent-Type: multipart/report; boundary="never"\n\n--other\nContent-Type: text/plain\n\n<gone@example.net>: user unknown\n',
    ),
  );
  expect(mail.text).toContain('<gone@example.net>: user unknown');
  expect(mail.problems.join()).toContain('multipart boundary "never" never found');
});

describe('dates', () => {
  it.each([
    ['Tue, 5 Mar 2024 10:20:30 +0100', '2024-03-05T10:20:30+01:00'],
    ['5 Mar 2024 10:20 -0330', '2024-03-05T10:20:00-03:30'],
    ['Tue, 05 Mar 24 23:59:60 GMT', '2024-03-05T23:59:59+00:00'],
    ['Mon, 1 Jan 1990 00:00:00 EST', '1990-01-01T00:00:00-05:00'],
    ['Thu, 29 Apr 2013 23:45:32 +0900 (JST)', '2013-04-29T23:45:32+09:00'],
    ['2024-03-05T10:20:30Z', '2024-03-05T10:20:30+00:00'],
  ])('%s', (input, iso) => {
    expect(parseMailDate(input)).toBe(iso);
  });

  it('rejects impossible dates', () => {
    expect(parseMailDate('31 Feb 2024 10:00:00 +0000')).toBeUndefined();
    expect(parseMailDate('yesterday')).toBeUndefined();
  });

  it('reads the date after the last semicolon of a Received header', () => {
    expect(receivedDate('from a by b; id 1; Wed, 6 Mar 2024 08:00:00 +0000')).toBe(
      '2024-03-06T08:00:00+00:00',
    );
  });

  it('derives a stable Message-Id from the header block', () => {
    expect(derivedMessageId('From: a\r\n')).toBe(derivedMessageId('From: a\r\n'));
    expect(derivedMessageId('From: a\r\n')).not.toBe(derivedMessageId('From: b\r\n'));
    expect(derivedMessageId('x')).toMatch(/^<[0-9a-f]{32}@mail2ticket\.invalid>$/);
  });
});
