import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeName } from '../src/attachments/names.js';
import { attachmentsConfigSchema } from '../src/attachments/config-schema.js';
import { MailFileSink } from '../src/attachments/sink.js';
import { MAX_TNEF_FILES, readTnef, type TnefResult } from '../src/attachments/tnef.js';
import { MAX_TNEF_BYTES } from '../src/attachments/tnef-part.js';
import { parseMail } from '../src/parse/parse.js';
import { type FilePart, mailWithFiles, sha256 } from './helpers/attachment-mail.js';
import { replayLive, sandboxConfig, startSeededSandbox, stopSeededSandbox } from './helpers/live-replay.js';
import { realPartsAvailable } from './helpers/real-parts.js';
import type { Sandbox } from './helpers/sandbox.js';
import { attribute, buildTnef, DEBIAN_TNEF, debianTnef, PR, type TnefSpec } from './helpers/tnef.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'tnef');
const SAMPLES = readdirSync(FIXTURES).filter((f) => f !== 'README.md');
const haveDebianTnef = realPartsAvailable(import.meta.url, DEBIAN_TNEF);

/** Our reader's files as name + sha256, in the order Debian's listing is compared in. */
function ours(r: TnefResult): { name: string; sha256: string }[] {
  return r.files
    .map((f) => ({ name: f.name ?? '', sha256: sha256(f.data) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Our reader and Debian's tool on the same bytes: the same files, and a failure where it fails. */
function crossCheck(data: Buffer, nameEncoding = 'utf8'): TnefResult {
  const mine = readTnef(data);
  const debian = debianTnef(data, nameEncoding);
  expect(ours(mine)).toEqual(debian.files);
  expect(mine.error !== undefined).toBe(debian.status !== 0);
  return mine;
}

const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(300, 7)]);

/** Streams no sample covers, built to MS-OXTNEF (test/helpers/tnef.ts). */
const BUILT: Record<string, { spec: TnefSpec; encoding?: string }> = {
  'unicode long names': {
    spec: {
      attachments: [
        {
          title: 'ANGSTR~1.PDF',
          data: pdf,
          props: [
            { id: PR.ATTACH_LONG_FILENAME, unicode: 'Ångström résumé – 報告書.pdf' },
            { id: PR.ATTACH_MIME_TAG, string8: Buffer.from('application/pdf') },
            { id: 0x6800, multiUnicode: ['a', 'bc'] },
          ],
          named: [{ name: 'x-custom-flag', long: 7 }],
        },
      ],
    },
  },
  'PT_STRING8 names in the code page': {
    encoding: 'cp1252',
    spec: {
      codepage: 1252,
      attachments: [
        {
          title: 'CAFMEN~1.TXT',
          data: Buffer.from('Café menu\r\n', 'latin1'),
          props: [{ id: PR.ATTACH_LONG_FILENAME, string8: iconv.encode('Café menu €.txt', 'cp1252') }],
        },
      ],
    },
  },
  'no attOemCodepage: code page 437': {
    encoding: 'cp437',
    spec: { codepage: null, attachments: [{ title: 'Résumé.txt', data: Buffer.from('CV') }] },
  },
  'two files, a title only and a multi-valued property': {
    spec: {
      body: 'the body is not a file',
      attachments: [
        { title: 'report.pdf', data: pdf, props: [{ id: 0x6801, multiLong: [1, 2, 3] }] },
        {
          title: 'IMAGE0~1.PNG',
          data: png,
          props: [
            { id: PR.ATTACH_LONG_FILENAME, unicode: 'image001.png' },
            { id: PR.ATTACH_CONTENT_ID, unicode: 'image001.png@01D0' },
          ],
        },
      ],
    },
  },
};

describe.runIf(haveDebianTnef)("TNEF reader against Debian's tnef", () => {
  it.each(SAMPLES)('sample %s: the same files (names and sha256) as tnef extracts', (name) => {
    const data = readFileSync(join(FIXTURES, name));
    const r = crossCheck(data);
    if (!r.error) expect(r.skipped).toEqual([]);
  });

  it('the samples hold what their sources say (ytnef test-data/results)', () => {
    const winmail = readTnef(readFileSync(join(FIXTURES, 'winmail.dat')));
    expect(winmail.files.map((f) => [f.name, f.contentType])).toEqual([
      ['zappa_av1.jpg', 'image/jpeg'],
      ['bookmark.htm', 'text/html'],
    ]);
    // PR_ATTACH_MIME_TAG wins over the extension
    const voice = readTnef(readFileSync(join(FIXTURES, 'multi-value-attribute.tnef')));
    expect(voice.files.map((f) => f.contentType)).toEqual(['audio/mp3']);
    // a message body and no attachment: no file
    expect(readTnef(readFileSync(join(FIXTURES, 'rtf.tnef')))).toEqual({ files: [], skipped: [] });
    // broken samples: each stops with its reason
    expect(readTnef(readFileSync(join(FIXTURES, 'node-tnef-badchecksum.dat'))).error).toMatch(/not TNEF/);
    expect(readTnef(readFileSync(join(FIXTURES, 'convert-tnef-test.tnef'))).error).toMatch(
      /checksum mismatch/,
    );
    const panic = readTnef(readFileSync(join(FIXTURES, 'node-tnef-panic.dat')));
    expect(panic.error).toMatch(/claims \d+ bytes, \d+ remain/);
    expect(panic.files.map((f) => f.name)).toEqual(['image001.jpg', 'image002.jpg']);
  });

  it.each(Object.keys(BUILT))('built stream (%s): the same files as tnef extracts', (key) => {
    const { spec, encoding } = BUILT[key]!;
    const r = crossCheck(buildTnef(spec), encoding);
    expect(r.error).toBeUndefined();
    expect(r.files).toHaveLength(spec.attachments.length);
  });

  it('reads Unicode and code-page names, MIME tags and Content-IDs', () => {
    const uni = readTnef(buildTnef(BUILT['unicode long names']!.spec));
    expect(uni.files.map((f) => [f.name, f.contentType])).toEqual([
      ['Ångström résumé – 報告書.pdf', 'application/pdf'],
    ]);
    const cp = readTnef(buildTnef(BUILT['PT_STRING8 names in the code page']!.spec));
    expect(cp.files[0]!.name).toBe('Café menu €.txt');
    expect(cp.files[0]!.contentType).toBe('text/plain');
    expect(readTnef(buildTnef(BUILT['no attOemCodepage: code page 437']!.spec)).files[0]!.name).toBe(
      'Résumé.txt',
    );
    const two = readTnef(buildTnef(BUILT['two files, a title only and a multi-valued property']!.spec));
    expect(two.files.map((f) => [f.name, f.contentType, f.contentId])).toEqual([
      ['report.pdf', 'application/pdf', undefined],
      ['image001.png', 'image/png', 'image001.png@01D0'],
    ]);
  });

  it('a truncated stream and a bad checksum: the files before the damage, and the reason (as tnef)', () => {
    const whole = buildTnef(BUILT['two files, a title only and a multi-valued property']!.spec);
    const truncated = whole.subarray(0, whole.indexOf(png.subarray(0, 8)) + 100);
    const t = crossCheck(truncated);
    expect(t.error).toMatch(/truncated/);
    expect(t.files.map((f) => f.name)).toEqual(['report.pdf']);

    const spec: TnefSpec = { attachments: [{ title: 'a.txt', data: Buffer.from('a') }] };
    const good = buildTnef(spec);
    const bad = Buffer.from(good);
    const dataAt = bad.indexOf(Buffer.from([0x02, 0x0f, 0x80, 0x06, 0x00])); // attAttachData
    bad[dataAt + 9] = 'b'.charCodeAt(0); // the content changes, its checksum does not
    const b = crossCheck(bad);
    expect(b.error).toMatch(/checksum mismatch/);
    expect(b.files).toEqual([]);
  });
});

describe('TNEF reader bounds', () => {
  const sample = readFileSync(join(FIXTURES, 'missing-filenames.tnef'));

  it('every prefix of a sample: no throw; the first files of the whole, unchanged', () => {
    const full = ours(readTnef(sample));
    let failed = 0;
    for (let n = 0; n < sample.length; n += 97) {
      const r = readTnef(sample.subarray(0, n));
      if (r.error) failed++;
      // a prefix cut between two attributes reads as a shorter stream: it can only lose files
      for (const f of ours(r)) expect(full).toContainEqual(f);
    }
    expect(failed).toBeGreaterThan(0);
  });

  it('flipped bytes and lengths claiming 4 GiB: no throw, no allocation from the claim', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const m = Buffer.from(sample);
      for (let k = 0; k < 4; k++) m[6 + (rand() % (m.length - 6))] = rand() & 0xff;
      expect(() => readTnef(m)).not.toThrow();
    }
    const huge = Buffer.concat([buildTnef({ attachments: [] }), attribute(2, 0x0006800f, Buffer.alloc(0))]);
    huge.writeUInt32LE(0xffffffff, huge.length - 6); // the attribute's length
    expect(readTnef(huge).error).toMatch(/claims 4294967295 bytes/);
    // a property list claiming 2^32-1 properties in a few bytes
    const props = buildTnef({ attachments: [{ title: 'x', data: Buffer.from('x') }] });
    const listAt = props.indexOf(Buffer.from([0x02, 0x05, 0x90, 0x06, 0x00])) + 9;
    const list = Buffer.from(props);
    list.writeUInt32LE(0xffffffff, listAt);
    // keep the checksum right, so that the property list itself is what is refused
    let sum = 0;
    const len = list.readUInt32LE(listAt - 4);
    for (let i = listAt; i < listAt + len; i++) sum += list[i]!;
    list.writeUInt16LE(sum & 0xffff, listAt + len);
    expect(readTnef(list).error).toMatch(/claims 4294967295 properties/);
  });

  it(`stops at ${MAX_TNEF_FILES} attachments`, () => {
    const many = buildTnef({
      attachments: Array.from({ length: MAX_TNEF_FILES + 1 }, (_, i) => ({
        title: `f${i}.txt`,
        data: Buffer.from(`${i}`),
      })),
    });
    const r = readTnef(many);
    expect(r.error).toBe(`more than ${MAX_TNEF_FILES} attachments`);
  });

  it('an embedded message (PR_ATTACH_DATA_OBJ object) is skipped with a note', () => {
    const r = readTnef(
      buildTnef({
        attachments: [
          {
            title: 'Fwd: hello',
            props: [{ id: PR.ATTACH_DATA_OBJ, binary: Buffer.alloc(40, 1), object: true }],
          },
        ],
      }),
    );
    expect(r.files).toEqual([]);
    expect(r.skipped).toEqual([
      'TNEF attachment "Fwd: hello" is an embedded message or OLE object (not unpacked)',
    ]);
  });
});

async function parseFiles(files: FilePart[], cfg: Record<string, unknown> = {}) {
  const sink = new MailFileSink(attachmentsConfigSchema.parse(cfg));
  const mail = await parseMail(mailWithFiles('<tnef@example.com>', files), { sink });
  return mail;
}

describe('a TNEF part in a mail', () => {
  const winmail = readFileSync(join(FIXTURES, 'winmail.dat'));

  it('becomes its files, by type or by the name winmail.dat', async () => {
    for (const headers of [
      ['Content-Type: application/ms-tnef; name="winmail.dat"'],
      ['Content-Type: application/vnd.ms-tnef'],
      ['Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename="WINMAIL.DAT"'],
    ]) {
      const mail = await parseFiles([{ headers, content: winmail }]);
      const want = readTnef(winmail).files.map((f) => [f.name, f.contentType, f.data.length, sha256(f.data)]);
      expect(mail.files!.map((f) => [f.name, f.contentType, f.size, f.sha256])).toEqual(want);
      expect(mail.problems.join('\n')).toMatch(
        /TNEF .* unpacked into 2 file\(s\): zappa_av1.jpg, bookmark.htm/,
      );
    }
  });

  it('keeps its place among the other files; names made safe; a blocked file inside is blocked', async () => {
    const tnef = buildTnef({
      attachments: [
        {
          title: 'a.txt',
          data: Buffer.from('A'),
          props: [{ id: PR.ATTACH_LONG_FILENAME, unicode: '..\\..\\evil:name.txt' }],
        },
        { title: 'setup.exe', data: Buffer.from('MZ') },
        { data: Buffer.from('no name') },
      ],
    });
    const mail = await parseFiles([
      { headers: ['Content-Type: application/pdf; name="first.pdf"'], content: pdf },
      { headers: ['Content-Type: application/ms-tnef; name="winmail.dat"'], content: tnef },
      { headers: ['Content-Type: image/png; name="last.png"'], content: png },
    ]);
    expect(mail.files!.map((f) => [f.name, f.refused?.outcome])).toEqual([
      ['first.pdf', undefined],
      [safeName('evil:name.txt', 'text/plain', 2), undefined],
      ['setup.exe', 'blocked'],
      ['attachment-4.bin', undefined],
      ['last.png', undefined],
    ]);
    expect(mail.files![1]!.name).toBe('evil_name.txt');
  });

  it('without files, broken or too many: winmail.dat uploaded whole, and DebugInfo says why', async () => {
    const cases: [Buffer, RegExp][] = [
      [readFileSync(join(FIXTURES, 'rtf.tnef')), /kept whole: it holds no files/],
      [readFileSync(join(FIXTURES, 'node-tnef-panic.dat')), /kept whole: attribute .* \(truncated\)/],
      [readFileSync(join(FIXTURES, 'convert-tnef-test.tnef')), /kept whole: .*checksum mismatch/],
      [Buffer.from('not tnef at all'), /kept whole: not TNEF/],
    ];
    for (const [content, why] of cases) {
      const mail = await parseFiles([{ headers: ['Content-Type: application/ms-tnef'], content }]);
      expect(mail.files!.map((f) => [f.name, f.sha256])).toEqual([['winmail.dat', sha256(content)]]);
      expect(mail.problems.join('\n')).toMatch(why);
    }
  });

  it(`over ${MAX_TNEF_BYTES} bytes: kept whole without being read`, async () => {
    const big = buildTnef({ attachments: [{ title: 'big.bin', data: Buffer.alloc(MAX_TNEF_BYTES, 1) }] });
    const mail = await parseFiles([{ headers: ['Content-Type: application/ms-tnef'], content: big }]);
    expect(mail.files!.map((f) => [f.name, f.size, f.sha256])).toEqual([
      ['winmail.dat', big.length, sha256(big)],
    ]);
    expect(mail.problems).toContain(`TNEF winmail.dat kept whole: larger than ${MAX_TNEF_BYTES} bytes`);
  });
});

const MID = '<tnef-live@example.com>';

describe('TNEF replayed live against the sandbox', () => {
  let dir: string;
  let sb: Sandbox;
  beforeEach(async () => {
    ({ dir, sb } = await startSeededSandbox(MID));
  });
  afterEach(() => stopSeededSandbox({ dir, sb }));

  it('each file inside winmail.dat is on the message once, with identical bytes', async () => {
    const winmail = readFileSync(join(FIXTURES, 'missing-filenames.tnef'));
    const inner = readTnef(winmail).files;
    expect(inner).toHaveLength(4);
    writeFileSync(
      join(dir, 'mail', 'm.eml'),
      mailWithFiles(MID, [
        { headers: ['Content-Type: application/ms-tnef; name="winmail.dat"'], content: winmail },
      ]),
    );
    const config = sandboxConfig(sb.apiUrl, join(dir, 'state'));
    const results = [
      ...(await replayLive(config, [join(dir, 'mail')])),
      ...(await replayLive(config, [join(dir, 'mail')])),
    ];
    expect(results.map((r) => r.outcome)).toEqual(['updated', 'duplicate']);
    expect(results[0]!.decision!.attachments!.map((a) => [a.name, a.outcome])).toEqual(
      inner.map((f) => [f.name, 'uploaded']),
    );
    const state = sb.state();
    const msg = state.messages.find((m) => m.MessageId === MID)!;
    expect(state.attachments.map((a) => [a.Name, a.sha256]).sort()).toEqual(
      inner.map((f) => [f.name, sha256(f.data)]).sort(),
    );
    for (const a of state.attachments) expect(a.connectedTo).toEqual([msg.EjMessageId]);
    expect(msg.DebugInfo).toContain('unpacked into 4 file(s)');
  });
});
