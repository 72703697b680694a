/**
 * Issue #12 causes 1-4: third-party mail read as CPython's `email` (and RFC 5322/2045-2047/2152)
 * read it: bare-CR line endings, a header flood before the real fields, two From fields, UTF-7.
 * Each rule is also proved on mail it was not written from: the bounce corpus, re-encoded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { renderBodies } from '../src/body/index.js';
import { classify } from '../src/classify/index.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { LineEndingNormaliser } from '../src/parse/line-endings.js';
import { parseMail } from '../src/parse/parse.js';

const CORPUS = join(import.meta.dirname, '..', 'fixtures', 'bounce-corpus', 'eml');
const crOnly = (s: string | Buffer) =>
  Buffer.from(Buffer.from(s).toString('latin1').replace(/\r?\n/g, '\r'), 'latin1');
const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'));

/** Run bytes through the normaliser in the given chunk sizes (cycled). */
async function normalise(raw: Buffer, sizes: number[]): Promise<{ out: Buffer; n: LineEndingNormaliser }> {
  const chunks: Buffer[] = [];
  for (let i = 0, k = 0; i < raw.length; k++) {
    const size = sizes[k % sizes.length]!;
    chunks.push(raw.subarray(i, i + size));
    i += size;
  }
  const n = new LineEndingNormaliser(DEFAULT_LIMITS.maxHeaderBytes);
  const out: Buffer[] = [];
  n.on('data', (c: Buffer) => out.push(c));
  await new Promise<void>((resolve, reject) => {
    n.on('end', resolve);
    n.on('error', reject);
    for (const c of chunks) n.write(c);
    n.end();
  });
  return { out: Buffer.concat(out), n };
}

function chunked(raw: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < raw.length; i += size) parts.push(raw.subarray(i, i + size));
  return Readable.from(parts);
}

const DSN = `Return-Path: <>
Received: from mx.example.net by mx.example.com; Tue, 5 Mar 2024 10:21:00 +0100
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: support@example.com
Subject: Undelivered Mail Returned to Sender
Date: Tue, 5 Mar 2024 10:21:00 +0100
Message-Id: <20240305092100.1A2B3@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="1A2B3.1709630460/mx.example.net"

This is a MIME-encapsulated message.

--1A2B3.1709630460/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@example.org>: host mx.example.org[192.0.2.7] said: 550 5.1.1
    <nobody@example.org>: Recipient address rejected: User unknown

--1A2B3.1709630460/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Tue,  5 Mar 2024 10:20:58 +0100

Final-Recipient: rfc822; nobody@example.org
Original-Recipient: rfc822;nobody@example.org
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.org
Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address
    rejected: User unknown

--1A2B3.1709630460/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Support <support@example.com>
To: nobody@example.org
Subject: Re: your ticket
Message-ID: <ticket-42@example.com>

--1A2B3.1709630460/mx.example.net--
`;

describe('cause 1: bare-CR line endings', () => {
  it('a DSN written with CR-only lines is a bounce with its recipient and the original id', async () => {
    const mail = await parseMail(crOnly(DSN));
    expect(mail.from?.address).toBe('MAILER-DAEMON@mx.example.net');
    expect(mail.subject).toBe('Undelivered Mail Returned to Sender');
    expect(mail.messageId).toBe('<20240305092100.1A2B3@mx.example.net>');
    expect(
      mail.problems.some((p) => /bare CR line ending\(s\) read as CRLF \(the mail uses CR-only/.test(p)),
    ).toBe(true);
    expect(mail.size).toBe(crOnly(DSN).length); // as received
    const c = classify(mail);
    expect(c.kind).toBe('bounce');
    expect(c.bounce?.recipients.map((r) => [r.address, r.status])).toEqual([['nobody@example.org', '5.1.1']]);
    expect(c.bounce?.originalMessageId).toBe('<ticket-42@example.com>');
  });

  it('reads the same whatever the chunking (a CR at a chunk end, CRLF split across chunks)', async () => {
    const whole = JSON.stringify(await parseMail(crOnly(DSN)));
    for (const size of [1, 2, 3, 7, 64]) {
      expect(JSON.stringify(await parseMail(chunked(crOnly(DSN), size))), `chunks of ${size}`).toBe(whole);
    }
    const crlfWhole = JSON.stringify(await parseMail(crlf(DSN)));
    for (const size of [1, 2, 5])
      expect(JSON.stringify(await parseMail(chunked(crlf(DSN), size)))).toBe(crlfWhole);
  });

  it('normalises CR-only to exactly the CRLF mail, in any chunking', async () => {
    for (const sizes of [[1], [2], [3, 1], [4096], [5, 2, 9]]) {
      const { out, n } = await normalise(crOnly(DSN), sizes);
      expect(out.equals(crlf(DSN)), `chunks ${sizes}`).toBe(true);
      expect(n.crOnlyBody).toBe(true);
    }
  });

  it('passes a CRLF or LF mail through byte for byte, bare CRs in its body included', async () => {
    const body = Buffer.from([0x0d, 0x41, 0x0d, 0x0d, 0x0a, 0x00, 0xff, 0x0d]);
    for (const eol of ['\r\n', '\n']) {
      const raw = Buffer.concat([
        Buffer.from(
          `From: a@example.com${eol}Subject: s${eol}Content-Type: application/octet-stream${eol}${eol}`,
        ),
        body,
      ]);
      for (const sizes of [[1], [2], [3], [1000]]) {
        const { out, n } = await normalise(raw, sizes);
        expect(out.equals(raw)).toBe(true);
        expect(n.converted).toBe(0);
      }
    }
  });

  it('keeps a base64 attachment intact in a CR-only mail', async () => {
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7 + 13) & 0xff));
    const b64 = data.toString('base64').replace(/.{76}/g, '$&\n');
    const src = `From: a@example.com\nSubject: file\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/plain\n\nsee file\n--XX\nContent-Type: image/png\nContent-ID: <img1>\nContent-Transfer-Encoding: base64\n\n${b64}\n--XX--\n`;
    const mail = await parseMail(crOnly(src));
    expect(mail.text?.trim()).toBe('see file');
    expect(mail.inlineImages[0]?.base64).toBe(data.toString('base64'));
  });

  it('a bare CR inside a header of a CRLF mail is data, not a line end: nothing after it is lost', async () => {
    const raw = crlf('From: a@example.com\nSubject: first\rsecond\nMessage-ID: <x@example.com>\n\nbody\n');
    const mail = await parseMail(raw);
    expect(mail.subject).toBe('first second');
    expect(mail.messageId).toBe('<x@example.com>');
    expect(mail.text?.trim()).toBe('body');
  });

  it('a bare CR at the start of a line of an LF mail is not the empty line that ends the header', async () => {
    const raw = Buffer.from(
      'From: a@example.com\nSubject: one\n\r two\nMessage-ID: <y@example.com>\n\nbody\n',
    );
    const mail = await parseMail(raw);
    // the stray CR reads as a space, like the one inside a line
    expect([mail.subject, mail.messageId, mail.text?.trim()]).toEqual([
      'one  two',
      '<y@example.com>',
      'body',
    ]);
    expect(mail.problems).toEqual([]);
  });

  it('lines ending in CR CR LF (CRLF converted twice) keep one line each', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\r\nSubject: doubled\r\r\nMessage-ID: <d@example.com>\r\r\n\r\r\nbody\r\r\n',
    );
    const mail = await parseMail(raw);
    expect([mail.from?.address, mail.subject, mail.messageId]).toEqual([
      'a@example.com',
      'doubled',
      '<d@example.com>',
    ]);
  });

  it('a CR-only mail behind an LF relay header (mixed conventions)', async () => {
    const raw = Buffer.concat([
      Buffer.from('Received: from relay.example.net by mx.example.com; Tue, 5 Mar 2024 10:21:00 +0100\n'),
      crOnly(DSN),
    ]);
    const mail = await parseMail(raw);
    expect(mail.receivedDates.length).toBe(2);
    expect(classify(mail).bounce?.recipients[0]?.address).toBe('nobody@example.org');
  });

  it('generalises: every corpus bounce, rewritten CR-only, classifies as its original does', async () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.eml'));
    const differ: string[] = [];
    for (const f of files) {
      const raw = readFileSync(join(CORPUS, f));
      const a = classify(await parseMail(raw));
      const b = classify(await parseMail(crOnly(raw)));
      const key = (c: typeof a) =>
        JSON.stringify([c.kind, c.bounce?.recipients.map((r) => [r.address, r.status])]);
      if (key(a) !== key(b)) differ.push(f);
    }
    expect(differ).toEqual([]);
  }, 120_000);
});

describe('cause 2: a header flood before the real fields', () => {
  const junk = (n: number) => Array.from({ length: n }, (_, i) => `X-Junk-${i}: filler ${i}`).join('\n');
  const real = `From: Kari <kari@example.no>
To: support@example.com
Subject: Real subject
Date: Tue, 5 Mar 2024 10:20:30 +0100
Message-ID: <real@example.no>
In-Reply-To: <parent@example.com>
References: <root@example.com>
 <parent@example.com>
Auto-Submitted: auto-replied
List-Id: <list.example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
X-After-Flood: dropped`;

  it('keeps every field the pipeline reads past maxHeaderFields and drops the rest, noted', async () => {
    const mail = await parseMail(crlf(`${junk(5000)}\n${real}\n\nHei\n`));
    expect(mail.from?.address).toBe('kari@example.no');
    expect(mail.subject).toBe('Real subject');
    expect(mail.messageId).toBe('<real@example.no>');
    expect(mail.inReplyTo).toBe('<parent@example.com>');
    expect(mail.references).toBe('<root@example.com> <parent@example.com>');
    expect(mail.date).toBe('2024-03-05T10:20:30+01:00');
    expect(mail.headers.find((h) => h.name === 'List-Id')?.value).toBe('<list.example.com>');
    expect(mail.headers.some((h) => h.name === 'X-After-Flood')).toBe(false);
    const dropped = 5000 - DEFAULT_LIMITS.maxHeaderFields + 1;
    expect(mail.problems.join('\n')).toContain(`${dropped} header field(s) beyond the limit`);
    expect(classify(mail).kind).not.toBe('message'); // Auto-Submitted survived
    // EmailHeader keeps the kept fields, with their own folding
    expect(mail.headerBlock).toContain('References: <root@example.com>\r\n <parent@example.com>\r\n');
    expect(mail.headerBlock).not.toContain('X-Junk-4999');
  });

  it('stays bounded when the flood itself uses pipeline names', async () => {
    const flood = Array.from({ length: 6000 }, (_, i) => `${i % 2 ? 'To' : 'X-J'}: x${i}@example.com`).join(
      '\n',
    );
    const mail = await parseMail(crlf(`Subject: s\n${flood}\nMessage-ID: <m@example.com>\n\nb\n`));
    expect(mail.headers.length).toBeLessThan(DEFAULT_LIMITS.maxHeaderFields + 100);
    expect(mail.messageId).toBe('<m@example.com>');
  });

  it('generalises: every corpus mail behind 3,000 junk fields keeps its identity and kind', async () => {
    const files = readdirSync(CORPUS)
      .filter((f) => f.endsWith('.eml'))
      .filter((_, i) => i % 4 === 0);
    for (const f of files) {
      const raw = readFileSync(join(CORPUS, f));
      const eol = raw.includes('\r\n') ? '\r\n' : '\n';
      const flooded = Buffer.concat([Buffer.from(junk(3000).replace(/\n/g, eol) + eol), raw]);
      const a = await parseMail(raw);
      const b = await parseMail(flooded);
      expect([b.from?.address, b.subject, b.messageId], f).toEqual([a.from?.address, a.subject, a.messageId]);
      expect(classify(b).kind, f).toBe(classify(a).kind);
    }
  }, 120_000);
});

describe('cause 3: two From fields, the first without an address', () => {
  for (const first of ['Support Team', '=?utf-8?q?Support_Team?=', 'undisclosed-recipients:;', '<>']) {
    it(`takes the second From when the first is ${JSON.stringify(first)}`, async () => {
      const mail = await parseMail(
        crlf(`From: ${first}\nFrom: Kari <kari@example.no>\nReply-To: other@example.com\nSubject: s\n\nb\n`),
      );
      expect(mail.from).toEqual({ name: 'Kari', address: 'kari@example.no' });
    });
  }

  it('the first From wins when it holds an address', async () => {
    const mail = await parseMail(crlf('From: a@example.com\nFrom: b@example.com\nSubject: s\n\nb\n'));
    expect(mail.from?.address).toBe('a@example.com');
  });

  it('a lone unparsable From still gives its name (no address)', async () => {
    const mail = await parseMail(crlf('From: Support Team\nSubject: s\n\nb\n'));
    expect(mail.from).toEqual({ name: 'Support Team', address: '' });
  });
});

describe('cause 4: UTF-7 bodies (RFC 2152)', () => {
  const utf7 = (type: string, label: string, body: string) =>
    crlf(
      `From: a@example.com\nSubject: u7\nMIME-Version: 1.0\nContent-Type: ${type}; charset=${label}\nContent-Transfer-Encoding: 7bit\n\n${body}\n`,
    );
  const opts = {
    remoteImages: 'keep',
    linkTarget: '_blank',
    styleBlocks: 'filter',
    quotedText: 'keep',
    inlineImages: 'data-uri',
  } as const;

  it('decodes UTF-7 text, with a note', async () => {
    const mail = await parseMail(utf7('text/plain', 'UTF-7', 'Gr+APwA3w-e aus K+APY-ln, 1+-1=2, +ZeVnLIqe-'));
    expect(mail.text?.trim()).toBe('Grüße aus Köln, 1+1=2, 日本語');
    expect(mail.problems).toContain('a text/plain part in UTF-7 was decoded (RFC 2152)');
  });

  it('decodes UTF-7 HTML, and the sanitizer sees and removes the markup it spelled', async () => {
    const mail = await parseMail(
      utf7(
        'text/html',
        '"unicode-1-1-utf-7"',
        '<p>K+APY-ln</p>+ADw-img src=x onerror=alert(1)+AD4-+ADw-script+AD4-x+ADw-/script+AD4-',
      ),
    );
    const bodies = renderBodies(mail, { body: opts, limits: DEFAULT_LIMITS });
    expect(bodies.htmlBody).toContain('Köln');
    expect(bodies.htmlBody).not.toMatch(/onerror|script|\+AD/i);
    expect(bodies.body).toContain('Köln');
  });

  it('decodes a UTF-7 encoded-word in a header (RFC 2047 allows any charset)', async () => {
    const mail = await parseMail(crlf('From: a@example.com\nSubject: =?utf-7?Q?K+APY-ln?=\n\nb\n'));
    expect(mail.subject).toBe('Köln');
  });

  it("still refuses IMAP's modified UTF-7 and 8-bit bytes under a UTF-7 label", async () => {
    const imap = await parseMail(utf7('text/plain', 'utf-7-imap', 'K&APY-ln'));
    expect(imap.text?.trim()).toBe('K&APY-ln');
    const eight = await parseMail(
      Buffer.concat([utf7('text/plain', 'utf-7', ''), Buffer.from([0x4b, 0xc3, 0xb6, 0x6c, 0x6e])]),
    );
    expect(eight.text?.trim()).toBe('Köln');
  });
});
