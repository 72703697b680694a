import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { emlFiles } from './helpers/eml-files.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCorpus } from '../bench/corpus.js';
// @ts-expect-error: a plain ESM script without declarations
import { PATCHES } from '../scripts/patch-deps.mjs';

/**
 * The install-time patches of @zone-eu/mailsplit (scripts/patch-deps.mjs) change its speed, never
 * what it hands on: the patched splitter and the original one (this install's copy with the patches
 * taken out again) split the same bytes into the same sequence of nodes and body/data chunks, on
 * every fixture mail, generated corpus mail and crafted boundary case, whole and cut into chunks at
 * sizes that put chunk edges inside line endings and boundary lines.
 */
interface Patch {
  file: string;
  marker: string;
  from: string;
  to: string;
}
const ROOT = new URL('..', import.meta.url).pathname;
const SPLITTER = 'node_modules/@zone-eu/mailsplit/lib/message-splitter.js';
const mailsplitPatches = (PATCHES as Patch[]).filter((p) => p.file === SPLITTER);

type SplitterClass = new () => NodeJS.ReadWriteStream;
let dir = '';
let patched: SplitterClass;
let original: SplitterClass;

beforeAll(() => {
  // inside node_modules, so the copy's own requires (libmime) resolve as the original's do
  dir = mkdtempSync(join(ROOT, 'node_modules', '.m2t-mailsplit-'));
  const copy = join(dir, 'mailsplit');
  cpSync(join(ROOT, 'node_modules/@zone-eu/mailsplit'), copy, { recursive: true });
  const file = join(copy, 'lib/message-splitter.js');
  let text = readFileSync(file, 'utf8');
  for (const p of mailsplitPatches) {
    expect(text.split(p.to).length, `${p.marker} is applied exactly once`).toBe(2);
    text = text.replace(p.to, p.from);
  }
  expect(text).not.toContain('mail2ticket patch');
  writeFileSync(file, text);
  const require = createRequire(import.meta.url);
  patched = require(join(ROOT, 'node_modules/@zone-eu/mailsplit')).Splitter;
  original = require(copy).Splitter;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

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
