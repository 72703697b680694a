import { Readable } from 'node:stream';
import { Decoder as Base64Decoder } from 'libbase64';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { Prng } from '../bench/prng.js';
import { CountingDecoder } from '../src/parse/drain.js';
import { parseMail } from '../src/parse/parse.js';

/**
 * Drained attachments are counted, not decoded (src/parse/drain.ts): the sizes must be exactly
 * those the decoder gives, whatever the input and however it is chunked.
 */

async function run(stream: NodeJS.ReadWriteStream, chunks: Buffer[]): Promise<number> {
  let size = 0;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (b: Buffer) => {
      size += b.length;
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  for (const c of chunks) stream.write(c);
  stream.end();
  await done;
  return size;
}

function chunked(rng: Prng, data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = rng.int(1, 200);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('CountingDecoder', () => {
  it('gives the decoded size libbase64 gives, for clean, padded-per-line and malformed base64', async () => {
    const rng = new Prng('parse-drain');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const noise = ['\r\n', '\n', '=', '==', ' ', '\t', '-', '_', '\u00e9', '*', '.', '\x00', '\xff'];
    for (let i = 0; i < 400; i++) {
      let text = '';
      const n = rng.int(0, 600);
      for (let j = 0; j < n; j++) {
        text += rng.int(0, 9) === 0 ? noise[rng.int(0, noise.length - 1)] : alphabet[rng.int(0, 63)];
      }
      // well-formed too: real base64, wrapped at 76, sometimes padded on every line
      if (i % 4 === 0) {
        const bytes = Buffer.alloc(rng.int(0, 500), rng.int(0, 255));
        const lines = bytes.toString('base64').match(/.{1,76}/g) ?? [];
        text =
          i % 8 === 0
            ? lines.join('\r\n')
            : lines.map((l) => Buffer.from(l, 'base64').toString('base64')).join('\n');
      }
      const data = Buffer.from(text, 'latin1');
      const expected = await run(new Base64Decoder(), chunked(rng, data));
      const counter = new CountingDecoder(true);
      await run(counter, chunked(rng, data));
      expect(counter.bytes, JSON.stringify(text)).toBe(expected);
    }
  });

  it('counts clean chunks natively and still catches one stray byte in a long chunk', async () => {
    // Chunks of 64 bytes and more are counted without the byte loop when they hold only the
    // alphabet and line breaks; a single other byte anywhere must send the chunk to the loop.
    const rng = new Prng('parse-drain-clean');
    const stray = [' ', '\t', '\r', '\x00', '\xff', '\u00e9', '*', '.', '!', '\x7f'];
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.alloc(rng.int(48, 6000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = rng.int(0, 255);
      const lines = (
        bytes
          .toString('base64')
          .replace(/=+$/, '')
          .match(/.{1,76}/g) ?? []
      ).join(i % 2 ? '\r\n' : '\n');
      let text = lines;
      if (i % 3 !== 0) {
        const at = rng.int(0, text.length);
        text = text.slice(0, at) + stray[rng.int(0, stray.length - 1)] + text.slice(at);
      }
      const data = Buffer.from(text, 'latin1');
      const chunks: Buffer[] = [];
      for (let k = 0; k < data.length; ) {
        const n = rng.int(64, 3000);
        chunks.push(data.subarray(k, k + n));
        k += n;
      }
      const expected = await run(new Base64Decoder(), chunks);
      const counter = new CountingDecoder(true);
      await run(counter, chunks);
      expect(counter.bytes, JSON.stringify(text)).toBe(expected);
    }
  });
});

function mail(parts: string[]): Buffer {
  const b = 'BOUNDARY';
  return Buffer.from(
    `From: a@example.com\r\nTo: b@example.com\r\nSubject: drain\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
      parts.map((p) => `--${b}\r\n${p}\r\n`).join('') +
      `--${b}--\r\n`,
    'latin1',
  );
}

describe('parseMail with drained attachments', () => {
  it('reports the same attachment sizes as a full decode (mailparser simpleParser)', async () => {
    const pdf = Buffer.alloc(10_001, 7);
    const raw = mail([
      'Content-Type: text/plain\r\n\r\nhello',
      `Content-Type: application/pdf; name="a.pdf"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="a.pdf"\r\n\r\n${(pdf.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n')}`,
      // every line padded on its own, junk in between
      'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\nQQ==\r\nQUI=\r\n*QUJD\r\nQ',
      'Content-Type: application/zip\r\nContent-Transfer-Encoding: 7bit\r\nContent-Disposition: attachment; filename="z.zip"\r\n\r\nline one\r\nline two',
      'Content-Type: application/x-thing\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Disposition: attachment\r\n\r\na=3Db=\r\nc',
      // typed from its name and with a Content-ID: an inline image, decoded and kept
      `Content-Type: application/octet-stream; name="p.png"\r\nContent-ID: <p1>\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('png bytes').toString('base64')}`,
      'Content-Type: image/gif\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="x.gif"\r\n\r\nR0lGODlhAQABAAAAACw=',
    ]);
    const ours = await parseMail(Readable.from([raw]));
    const full = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true });
    expect(ours.parts.map((p) => p.size)).toEqual(full.attachments.map((a) => a.size));
    expect(ours.parts.map((p) => p.size)).toEqual([10_001, 6, 18, 4, 9, 14]);
    expect(ours.inlineImages[0]?.base64).toBe(Buffer.from('png bytes').toString('base64'));
  });
});
