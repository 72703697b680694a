import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBytes, decodeUtf8OrCp1252 } from '../src/body/charset.js';
import { bodyConfigSchema } from '../src/body/config-schema.js';
import { renderBodies } from '../src/body/index.js';
import { decodeIso2022Jp } from '../src/body/iso2022jp.js';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { decodeHeaderValue } from '../src/parse/decode-header.js';
import { parseMail } from '../src/parse/parse.js';

/**
 * One fixture per charset case (fixtures/mail/charset-*.eml), each through the real parser and
 * renderBodies: the expected text must come out exactly, and never a U+FFFD where a correct
 * decoding exists.
 */

const limits = { ...DEFAULT_LIMITS };
const opts = { body: bodyConfigSchema.parse({}), limits };

async function load(name: string) {
  const mail = await parseMail(
    readFileSync(new URL(`../fixtures/mail/charset-${name}.eml`, import.meta.url)),
    { limits },
  );
  return { mail, bodies: renderBodies(mail, opts) };
}

describe('charset fixtures through parseMail + renderBodies', () => {
  it.each([
    ['iso-8859-1-is-windows-1252', 'The total is \u20ac 12, \u201cpaid\u201d \u2013 caf\u00e9 na\u00efve.'],
    ['missing-utf8', 'Gr\u00fc\u00dfe aus K\u00f6ln, \u65e5\u672c\u8a9e, \u{1F600}.'],
    ['missing-windows-1252', 'Gr\u00fc\u00dfe aus K\u00f6ln \u2013 \u20ac 5 \u201cthanks\u201d.'],
    ['utf8-label-windows-1252-bytes', 'Se\u00f1or Mu\u00f1oz, \u00bfqu\u00e9 tal? \u2026'],
    ['ascii-label-8bit', 'R\u00e9sum\u00e9 attached \u2014 regards.'],
    ['mixed-utf8-and-windows-1252', 'New text: d\u00e9j\u00e0 vu\n> Old quote: d\u00e9j\u00e0 vu \u2013 old'],
    ['iso-2022-jp', '\u3053\u3093\u306b\u3061\u306f\u3001\u30b5\u30dd\u30fc\u30c8\u3067\u3059\u3002'],
    ['iso-2022-jp-cp50221', '\u2460\u3231 \u7e8a \uff71\uff72 \uff73\uff74 end'],
    ['gb2312-is-gbk', '\u674e\u5586\u5148\u751f\uff0c\u60a8\u597d\u3002'],
    ['ks-c-5601-is-cp949', '\ub620\ubc25 \uc548\ub155\ud558\uc138\uc694'],
    [
      'windows-1251-quoted-printable',
      '\u0417\u0434\u0440\u0430\u0432\u0441\u0442\u0432\u0443\u0439\u0442\u0435!',
    ],
  ])('%s', async (name, expected) => {
    const { bodies } = await load(name);
    expect(bodies.type).toBe('Plain');
    expect(bodies.body.trim()).toBe(expected);
    expect(bodies.body).not.toContain('\ufffd');
  });

  it('unlabelled windows-1252 HTML: both Body and HtmlBody decoded', async () => {
    const { bodies } = await load('html-missing-charset-windows-1252');
    expect(bodies.body).toBe('Gr\u00fc\u00dfe \u2013 \u20ac 10 Link [https://example.test/a]');
    expect(bodies.htmlBody).toContain('Gr\u00fc\u00dfe \u2013 \u20ac 10');
  });

  it('UTF-7 HTML is decoded (RFC 2152) before the sanitizer, which then removes the real <script>', async () => {
    const { mail, bodies } = await load('utf-7-html');
    expect(bodies.htmlBody).toBe('<p>Hi</p>\n');
    expect(bodies.htmlBody).not.toMatch(/script|\+AD/i);
    expect(bodies.body).toBe('Hi');
    expect(mail.problems).toContain('a text/html part in UTF-7 was decoded (RFC 2152)');
  });

  it('encoded-word subjects: ISO-2022-JP split across words, unknown and wrong charsets', async () => {
    expect((await load('iso-2022-jp')).mail.subject).toBe('\u304a\u554f\u3044\u5408\u308f\u305b');
    expect((await load('iso-2022-jp-cp50221')).mail.subject).toBe('\u2460');
    expect((await load('gb2312-is-gbk')).mail.subject).toBe('\u5586\u8bf7');
    expect((await load('windows-1251-quoted-printable')).mail.subject).toBe(
      '\u041f\u0440\u0438\u0432\u0435\u0442',
    );
    expect((await load('encoded-word-wrong-charsets')).mail.subject).toBe(
      'na\u00efve / caf\u00e9 / \u65e5\u672c\u8a9e / \u20acuro / with language',
    );
  });
});

describe('decoders', () => {
  it('decodeUtf8OrCp1252 never yields U+FFFD, even for the five bytes windows-1252 leaves unassigned', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(decodeUtf8OrCp1252(all)).not.toContain('\ufffd');
    expect(decodeUtf8OrCp1252(Buffer.from([0x81, 0x8d, 0x8f, 0x90, 0x9d]))).toBe(
      '\u0081\u008d\u008f\u0090\u009d',
    );
  });

  it('a declared charset that cannot decode valid UTF-8 bytes was a wrong label', () => {
    expect(decodeBytes(Buffer.from('\u4f60\u597d', 'utf8'), 'shift_jis')).toEqual({
      text: '\u4f60\u597d',
      used: 'utf-8 (mislabelled shift_jis)',
    });
  });

  it('ISO-2022-JP-2 single shifts and JIS X 0212', () => {
    // ESC . A designates Latin-1 to G2, ESC N invokes one character from it: 0x69 -> 0xE9 (e acute)
    expect(decodeIso2022Jp(Buffer.from('caf\x1b.A\x1bNi', 'binary'))).toBe('caf\u00e9');
    // JIS X 0212 0x2B21 is a-acute (U+00E1)
    expect(decodeIso2022Jp(Buffer.from('\x1b$(D+!\x1b(B', 'binary'))).toBe('\u00e1');
  });

  it('decodeHeaderValue reads C1 characters of a Latin-1 fallback as windows-1252 and keeps plain text', () => {
    expect(decodeHeaderValue('\u0093quoted\u0094 \u0080')).toBe('\u201cquoted\u201d \u20ac');
    expect(decodeHeaderValue('no words here =? ?=')).toBe('no words here =? ?=');
    expect(decodeHeaderValue('a =?utf-8?q?b?= c')).toBe('a b c');
  });
});
