import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { endOnce, MAILPARSER_FIELDS } from '../src/parse/mailparser-options.js';
import { parseMail } from '../src/parse/parse.js';

/**
 * What src/parse/mailparser-options.ts changes in mailparser's work: the second bare `end()` of the
 * last part's decoder is skipped (endOnce), and only MAILPARSER_FIELDS reach its header parsing;
 * everything observable stays as mailparser has it.
 */
describe('endOnce', () => {
  it('ends the stream on the first call and ignores a second bare call', async () => {
    const stream = new PassThrough();
    endOnce(stream);
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.write('part body');
    expect(stream.end()).toBe(stream);
    expect(stream.writableEnded).toBe(true);
    expect(stream.end()).toBe(stream);
    await once(stream, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('part body');
  });

  it('still reports ERR_STREAM_ALREADY_FINISHED to a caller that passes a callback', async () => {
    const stream = new PassThrough();
    endOnce(stream);
    stream.resume();
    stream.end();
    await once(stream, 'finish');
    const err = await new Promise<unknown>((resolve) => stream.end(resolve));
    expect((err as { code?: string }).code).toBe('ERR_STREAM_ALREADY_FINISHED');
  });

  it('leaves a multipart mail parsed as before (the last part is the one ended twice)', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nSubject: twice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n' +
        '--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n',
    );
    const mail = await parseMail(raw);
    expect(mail.text).toBe('café');
    expect(mail.attachments).toEqual([{ contentType: 'application/pdf', size: 9 }]);
  });
});

describe('MAILPARSER_FIELDS', () => {
  it("holds every field parse.ts reads from mailparser's parsed headers", () => {
    // buildParsedMail reads mailparser's top-level headers through `parsed('<name>')`; a name
    // missing from the set would silently read nothing
    const source = readFileSync(new URL('../src/parse/parse.ts', import.meta.url), 'utf8');
    const read = [...source.matchAll(/\bparsed\('([a-z-]+)'\)/g)].map((m) => m[1]!);
    expect(read.length).toBeGreaterThanOrEqual(6);
    expect(read.filter((name) => !MAILPARSER_FIELDS.has(name))).toEqual([]);
  });

  it('leaves addresses, Content-IDs and part types as an unfiltered mailparser gives them', async () => {
    const raw = Buffer.from(
      [
        'Received: from a.example.net by b.example.net; Tue, 1 Dec 2026 10:00:00 +0000',
        'DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from:to; bh=abc=; b=def=',
        'From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>',
        'To: "Support" <support@example.org>, other@example.org',
        'Cc: cc@example.org',
        'Reply-To: replies@example.com',
        'Subject: fields',
        'MIME-Version: 1.0',
        'Content-Type: multipart/related; boundary="b"',
        '',
        '--b',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>hi <img src="cid:img1@x"></p>',
        '--b',
        'Content-Type: image/png; name="p.png"',
        'Content-ID: <img1@x>',
        'Content-Transfer-Encoding: base64',
        '',
        'iVBORw0KGgo=',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const mail = await parseMail(raw);
    const full = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true });
    const addresses = (v: unknown) => (v as { value: { address?: string; name?: string }[] }).value;
    expect(mail.from).toEqual({ address: 'jorg@example.com', name: 'Jörg' });
    expect(mail.to.map((a) => a.address)).toEqual(addresses(full.to).map((a) => a.address));
    expect(mail.cc.map((a) => a.address)).toEqual(['cc@example.org']);
    expect(mail.replyTo.map((a) => a.address)).toEqual(['replies@example.com']);
    expect(mail.inlineImages.map((i) => i.contentId)).toEqual([full.attachments[0]!.cid]);
    expect(mail.headers.some((h) => h.name.toLowerCase() === 'dkim-signature')).toBe(true);
  });
});
