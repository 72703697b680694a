import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { emlFiles } from './helpers/eml-files.js';
import { type PatchedAndOriginal, patchedAndOriginal } from './helpers/unpatched.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../bench/corpus.js';

/**
 * The install-time patches of @zone-eu/mailsplit (scripts/patch-deps.mjs) change its speed, never
 * what it hands on: the patched splitter and the original one (this install's copy with the patches
 * taken out again) split the same bytes into the same sequence of nodes and body/data chunks, on
 * every fixture mail, generated corpus mail and crafted boundary case, whole and cut into chunks at
 * sizes that put chunk edges inside line endings and boundary lines. The patched ChunkedPassthrough
 * (which mailparser passes every byte through) hands on the same bytes at the same boundaries as
 * the original, without copying a chunk when nothing is pending.
 */
type SplitterClass = new () => NodeJS.ReadWriteStream;
type PassthroughClass = new (options?: { chunkSize?: number }) => NodeJS.ReadWriteStream;
interface Mailsplit {
  Splitter: SplitterClass;
  ChunkedPassthrough: PassthroughClass;
}
const ROOT = new URL('..', import.meta.url).pathname;
let both: PatchedAndOriginal<Mailsplit>;
let patched: SplitterClass;
let original: SplitterClass;
let patchedPassthrough: PassthroughClass;
let originalPassthrough: PassthroughClass;

beforeAll(() => {
  both = patchedAndOriginal<Mailsplit>('@zone-eu/mailsplit');
  expect(both.markers).toEqual([
    'mail2ticket patch: indexOf',
    'mail2ticket patch: body lines',
    'mail2ticket patch: no copy',
  ]);
  patched = both.patched.Splitter;
  original = both.original.Splitter;
  patchedPassthrough = both.patched.ChunkedPassthrough;
  originalPassthrough = both.original.ChunkedPassthrough;
});

afterAll(() => both?.remove());

/** What a splitter hands on, one string per object: nodes by their header block, chunks by bytes. */
async function split(Splitter: SplitterClass, mail: Buffer, chunkSize: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < mail.length; i += chunkSize) chunks.push(mail.subarray(i, i + chunkSize));
  const out: string[] = [];
  const splitter = Readable.from(chunks).pipe(new Splitter());
  for await (const data of splitter as AsyncIterable<{
    type: string;
    value?: Buffer;
    getHeaders?(): Buffer;
    node?: unknown;
  }>) {
    if (data.type === 'node') out.push(`node ${data.getHeaders?.().toString('latin1')}`);
    else out.push(`${data.type} ${data.value?.toString('latin1') ?? ''}`);
  }
  return out;
}

const b64 = (n: number) =>
  `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx'.slice(0, 76)}\r\n`.repeat(n);

/** Lines that look like boundaries, or almost, in every place a body line can be. */
const CRAFTED: string[] = [
  // base64 body, a line starting with "-" inside text, CR-only and LF-only line ends
  `Content-Type: multipart/mixed; boundary="b1"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nline one\r\n-not a boundary\r\n--b1x\r\n---b1\r\n\r\n\r\nlast\r\n--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(300)}--b1--\r\nepilogue\r\n--b1\r\nmore epilogue\r\n`,
  // LF line ends, nested multiparts, an inner multipart never closed
  `Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: multipart/alternative; boundary=inner\n\n--inner\nContent-Type: text/plain\n\nhello\n-- \nsig\n--inner\nContent-Type: text/html\n\n<p>hi</p>\n--outer\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n${b64(50).replace(/\r\n/g, '\n')}--outer--\n`,
  // a lone CR in front of a delimiter, a delimiter with trailing whitespace, an empty part
  `Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nbody\r--x \t\r\nContent-Type: text/plain\r\n\r\n--x\r\n\r\n${b64(20)}\r\n--x--`,
  // message/rfc822 inside, a single-part mail, a body without a final line end
  `Content-Type: multipart/report; boundary="r"\r\n\r\n--r\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary="i"\r\n\r\n--i\r\n\r\ninner text\r\n--i--\r\n--r--\r\n`,
  `Subject: plain\r\n\r\n${b64(40)}no line end at the end`,
];

async function expectSame(mail: Buffer, sizes: number[], label: string): Promise<void> {
  for (const size of sizes) {
    const [a, b] = await Promise.all([split(patched, mail, size), split(original, mail, size)]);
    expect(a, `${label}, chunks of ${size}`).toEqual(b);
  }
}

describe('the patched mailsplit splits like the original', () => {
  it('on crafted boundary cases, cut at every small chunk size', async () => {
    for (const [i, text] of CRAFTED.entries()) {
      const mail = Buffer.from(text, 'latin1');
      await expectSame(mail, [1, 2, 3, 5, 7, 13, 64, 77, 78, 79, 1000, 65536, mail.length], `crafted ${i}`);
    }
  });

  it('on every fixture mail', async () => {
    const files = emlFiles(join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(300);
    for (const file of files) await expectSame(readFileSync(file), [11, 4096, 65536], file);
  }, 60_000);

  it('on generated benchmark mail (attachments, inline images, bounces, charsets)', async () => {
    const corpusDir = mkdtempSync(join(tmpdir(), 'm2t-mailsplit-corpus-'));
    const corpus = await generateCorpus({ dir: corpusDir, mails: 120, tenMb: 0, fiftyMb: 0 });
    const files = readdirSync(corpus.mailDir).map((n) => join(corpus.mailDir, n));
    expect(files.length).toBe(120);
    try {
      for (const file of files) await expectSame(readFileSync(file), [997, 65536], file);
    } finally {
      rmSync(corpusDir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** The chunks a ChunkedPassthrough hands on for `chunks` written one by one. */
async function pass(Passthrough: PassthroughClass, chunks: Buffer[], chunkSize?: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const stream = Readable.from(chunks).pipe(new Passthrough(chunkSize === undefined ? {} : { chunkSize }));
  for await (const chunk of stream as AsyncIterable<Buffer>) out.push(chunk);
  return out;
}

describe('the patched ChunkedPassthrough hands on what the original does', () => {
  const bytes = (n: number, seed: number) =>
    Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

  it('the same bytes at the same boundaries, for small, exact, large and mixed chunks', async () => {
    const cases: [string, number[], number | undefined][] = [
      ['one small chunk', [10], undefined],
      [
        'small chunks adding up past 64 KiB',
        Array.from({ length: 300 }, (_, i) => 100 + (i % 977)),
        undefined,
      ],
      ['chunks of exactly 64 KiB', [65536, 65536, 65536], undefined],
      ['a chunk larger than 64 KiB, then small ones', [200_000, 5, 70_000, 1, 65535, 1], undefined],
      ['a whole mail in one chunk (a file read whole)', [428_473], undefined],
      ['empty chunks among others', [0, 7, 0, 65536, 0, 3], undefined],
      ['a chunk size of 10', [3, 3, 3, 3, 10, 25, 1], 10],
    ];
    for (const [label, sizes, chunkSize] of cases) {
      const input = () => sizes.map((n, i) => bytes(n, i));
      const [a, b] = await Promise.all([
        pass(patchedPassthrough, input(), chunkSize),
        pass(originalPassthrough, input(), chunkSize),
      ]);
      expect(
        a.map((c) => c.length),
        label,
      ).toEqual(b.map((c) => c.length));
      expect(Buffer.concat(a).equals(Buffer.concat(b)), label).toBe(true);
    }
  });

  it('hands a chunk of at least chunkSize on as it is when nothing is pending, which the original copies', async () => {
    const big = bytes(100_000, 1);
    const [a] = await pass(patchedPassthrough, [big]);
    expect(a!.buffer).toBe(big.buffer);
    const [b] = await pass(originalPassthrough, [bytes(100_000, 1)]);
    expect(b!.equals(big)).toBe(true);
  });
});
