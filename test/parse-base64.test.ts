import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Decoder as Base64Decoder } from 'libbase64';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { Prng } from '../bench/prng.js';
import { attachmentsConfigSchema } from '../src/attachments/config-schema.js';
import { MailFileSink } from '../src/attachments/sink.js';
import { Base64DecoderStream } from '../src/parse/base64.js';
import { parseMail } from '../src/parse/parse.js';

/**
 * src/parse/base64.ts replaces mailsplit's libbase64 Decoder: the same bytes in the same chunks,
 * whatever the input (clean, padded per line, malformed) and however it is chunked.
 */

async function outputChunks(stream: NodeJS.ReadWriteStream, chunks: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (b: Buffer) => out.push(Buffer.from(b)));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  for (const c of chunks) stream.write(c);
  stream.end();
  await done;
  return out;
}

function chunked(rng: Prng, data: Buffer, max: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    const n = rng.int(1, max);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const NOISE = [
  '\r\n',
  '\n',
  '\r',
  '=',
  '==',
  '===',
  ' ',
  '\t',
  '-',
  '_',
  '\u00e9',
  '*',
  '.',
  '\x00',
  '\xff',
  'Ł',
];

function generated(rng: Prng, i: number): Buffer {
  if (i % 4 === 0) {
    // real base64 wrapped at 76, sometimes padded on every line (seen from old MUAs)
    const bytes = rng.bytes(rng.int(0, 3000));
    const lines = bytes.toString('base64').match(/.{1,76}/g) ?? [];
    const text =
      i % 8 === 0
        ? lines.join(rng.chance(0.8) ? '\r\n' : '\n')
        : lines.map((l) => Buffer.from(l, 'base64').toString('base64')).join('\n');
    return Buffer.from(text, 'latin1');
  }
  if (i % 4 === 2) {
    // real base64 with one to three stray bytes somewhere (the byte-counting shortcut must see them)
    const lines =
      rng
        .bytes(rng.int(100, 4000))
        .toString('base64')
        .match(/.{1,76}/g) ?? [];
    let text = lines.join(rng.chance(0.8) ? '\r\n' : '\n');
    for (let k = rng.int(1, 3); k > 0; k--) {
      const at = rng.int(0, text.length);
      text = text.slice(0, at) + rng.pick(NOISE) + text.slice(at);
    }
    return Buffer.from(text, 'utf8');
  }
  let text = '';
  const n = rng.int(0, 800);
  const noisy = rng.int(2, 20);
  for (let j = 0; j < n; j++) {
    text += rng.int(0, noisy) === 0 ? rng.pick(NOISE) : ALPHABET[rng.int(0, 63)];
  }
  // 'Ł' is two bytes in UTF-8: 8-bit bytes that are skipped
  return Buffer.from(text, 'utf8');
}

describe('Base64DecoderStream', () => {
  it('gives libbase64 Decoder output byte for byte and chunk for chunk, on generated and chunked input', async () => {
    const rng = new Prng('parse-base64');
    for (let i = 0; i < 1200; i++) {
      const data = generated(rng, i);
      // both decoders see the same chunking; some runs one byte at a time
      const chunks = chunked(rng, data, i % 10 === 0 ? 1 : rng.pick([3, 7, 64, 500, 20_000]));
      const expected = await outputChunks(new Base64Decoder(), chunks);
      const got = await outputChunks(new Base64DecoderStream(), chunks);
      expect(
        Buffer.concat(got).equals(Buffer.concat(expected)),
        `input ${JSON.stringify(data.toString('latin1'))}`,
      ).toBe(true);
      expect(
        got.map((b) => b.length),
        JSON.stringify(data.toString('latin1')),
      ).toEqual(expected.map((b) => b.length));
    }
  });

  it('decodes a large attachment read in mailsplit-sized chunks to the original bytes', async () => {
    const rng = new Prng('parse-base64-large');
    const original = rng.bytes(3 * 1024 * 1024 + 1);
    const encoded = Buffer.from((original.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'), 'latin1');
    const got = await outputChunks(new Base64DecoderStream(), chunked(rng, encoded, 64 * 1024));
    expect(Buffer.concat(got).equals(original)).toBe(true);
  });
});

describe('parseMail with an attachment sink', () => {
  it('hashes and sizes each base64 file exactly as mailparser decodes it', async () => {
    const rng = new Prng('parse-base64-mail');
    const bodies = [
      rng.bytes(70_001),
      rng.bytes(2),
      Buffer.from('every line padded on its own'),
      Buffer.alloc(0),
    ];
    const encodings = [
      (b: Buffer) => (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'),
      (b: Buffer) => b.toString('base64'),
      (b: Buffer) => [...b].map((x) => Buffer.from([x]).toString('base64')).join('\r\n'),
      () => '',
    ];
    const parts = bodies.map(
      (b, i) =>
        `--B\r\nContent-Type: application/octet-stream; name="f${i}.bin"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\n${encodings[i]!(b)}\r\n`,
    );
    // malformed: junk characters and a stray pad inside the base64
    parts.push(
      '--B\r\nContent-Type: application/pdf; name="m.pdf"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="m.pdf"\r\n\r\nQUJD*RE=VGR\r\nz\u00e9dA==\r\nQ\r\n',
    );
    const raw = Buffer.from(
      `From: a@example.com\r\nTo: b@example.com\r\nSubject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('hällo\r\n').toString('base64')}\r\n${parts.join('')}--B--\r\n`,
      'latin1',
    );
    const sink = new MailFileSink(attachmentsConfigSchema.parse({}));
    const ours = await parseMail(Readable.from(chunked(rng, raw, 1000)), { sink });
    const full = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true });
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(ours.files?.map((f) => [f.size, f.sha256])).toEqual(
      full.attachments.map((a) => [a.content.length, sha(a.content)]),
    );
    expect(ours.files?.slice(0, 3).map((f) => f.sha256)).toEqual(bodies.slice(0, 3).map(sha));
    expect(ours.text).toBe(full.text);
    expect(ours.text).toBe('hällo\n');
  });
});
