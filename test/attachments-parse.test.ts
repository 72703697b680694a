import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_NAME_CHARS, safeName } from '../src/attachments/names.js';
import { attachmentsConfigSchema } from '../src/attachments/config-schema.js';
import { cleanStaleSpool, MailFileSink, removeSpool, SPOOL_DIR } from '../src/attachments/sink.js';
import { uuencode } from '../src/attachments/uudecode.js';
import { classify } from '../src/classify/index.js';
import { mappingOptions } from '../src/commands/context.js';
import { defaultConfig, parseConfig } from '../src/config.js';
import { finishMail } from '../src/map/map.js';
import { parseMail } from '../src/parse/parse.js';
import { type PreparedResult, type PrepareSteps, prepareStream } from '../src/pipeline.js';
import { bytesOf, type FilePart, mailWithFiles, sha256 } from './helpers/attachment-mail.js';
import { cliAsync } from './helpers/cli-async.js';

const tmp = mkdtempSync(join(tmpdir(), 'm2t-attach-parse-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function steps(
  attachments: Record<string, unknown> = {},
  body: Record<string, unknown> = {},
  spoolRoot?: string,
) {
  const config = parseConfig({ attachments, body });
  const s: PrepareSteps = {
    mapping: mappingOptions(config),
    classify,
    attachments: { config: config.attachments, ...(spoolRoot ? { spoolRoot } : {}) },
  };
  return s;
}

async function prepare(mail: Buffer, s: PrepareSteps = steps()): Promise<PreparedResult> {
  const r = await prepareStream('test', Readable.from([mail]), s);
  if (!('prepared' in r)) throw new Error(`not prepared: ${JSON.stringify(r.error)}`);
  return r;
}

const pdf = bytesOf(3000, 7);

describe('which parts are files, and their names', () => {
  it('decodes names in four encodings: RFC 2231 with charset, RFC 2231 continuations, RFC 2047 B and Q', async () => {
    const files: FilePart[] = [
      {
        headers: [
          'Content-Type: application/pdf',
          "Content-Disposition: attachment; filename*=UTF-8''%C3%84rger%20%E2%82%AC%20Rechnung.pdf",
        ],
        content: pdf,
      },
      {
        headers: [
          'Content-Type: application/pdf',
          'Content-Disposition: attachment;',
          " filename*0*=ISO-8859-1''Gr%FC%DFe%20aus%20;",
          ' filename*1*=K%F6ln%20und%20einem%20sehr%20langen%20Namen;',
          ' filename*2=".pdf"',
        ],
        content: bytesOf(10, 2),
      },
      {
        headers: [
          'Content-Type: application/octet-stream; name="=?UTF-8?B?0J/RgNC40LLQtdGCLnR4dA==?="',
          'Content-Disposition: attachment; filename="=?UTF-8?B?0J/RgNC40LLQtdGCLnR4dA==?="',
        ],
        content: Buffer.from('привет'),
      },
      {
        headers: [
          'Content-Type: image/png',
          'Content-Disposition: attachment; filename="=?ISO-8859-1?Q?K=E4se_=26_Br=F6tchen.png?="',
        ],
        content: bytesOf(500, 3),
      },
    ];
    const r = await prepare(mailWithFiles('<names@example.com>', files));
    const list = r.prepared.decision.attachments!;
    expect(list.map((a) => a.name)).toEqual([
      'Ärger € Rechnung.pdf',
      'Grüße aus Köln und einem sehr langen Namen.pdf',
      'Привет.txt',
      'Käse & Brötchen.png',
    ]);
    expect(list.map((a) => a.sha256)).toEqual(files.map((f) => sha256(f.content)));
    expect(list.map((a) => a.size)).toEqual(files.map((f) => f.content.length));
    expect(list.every((a) => a.outcome === 'would-upload')).toBe(true);
  });

  it('makes names safe: no path, no control or bidi characters, bounded length, extension kept', () => {
    expect(safeName('../../etc/passwd', 'text/plain', 1)).toBe('passwd');
    expect(safeName('C:\\Users\\x\\report.pdf', 'application/pdf', 1)).toBe('report.pdf');
    expect(safeName('invoice\u202Efdp.exe', 'application/octet-stream', 1)).toBe('invoicefdp.exe');
    expect(safeName('a\u0000b\r\nc.txt', 'text/plain', 1)).toBe('abc.txt');
    expect(safeName('what?.txt', 'text/plain', 1)).toBe('what_.txt');
    expect(safeName('CON.txt', 'text/plain', 1)).toBe('_CON.txt');
    expect(safeName('...', 'application/pdf', 3)).toBe('attachment-3.pdf');
    expect(safeName(undefined, 'message/rfc822', 2)).toBe('forwarded-message-2.eml');
    expect(safeName('Re: hello', 'message/rfc822', 1)).toBe('Re_ hello.eml');
    const long = safeName(`${'x'.repeat(500)}.docx`, 'application/octet-stream', 1);
    expect([...long].length).toBe(MAX_NAME_CHARS);
    expect(long.endsWith('….docx')).toBe(true);
  });

  it('keeps a nested message as .eml with its exact bytes, and a TNEF winmail.dat whole', async () => {
    const inner = Buffer.from(
      'From: someone@example.org\r\nSubject: the original\r\nMessage-ID: <inner@example.org>\r\n\r\nInner body.\r\n',
    );
    // TNEF: signature 0x223E9F78, then attributes; this one is not readable, so it is kept whole.
    const tnef = Buffer.concat([Buffer.from([0x78, 0x9f, 0x3e, 0x22, 0x01, 0x00]), bytesOf(2000, 9)]);
    const r = await prepare(
      mailWithFiles('<nested@example.com>', [
        {
          headers: ['Content-Type: message/rfc822', 'Content-Disposition: attachment'],
          content: inner,
          encoding: 'raw',
        },
        { headers: ['Content-Type: application/ms-tnef'], content: tnef },
      ]),
    );
    const [eml, dat] = r.prepared.decision.attachments!;
    expect(eml).toMatchObject({ name: 'the original.eml', contentType: 'message/rfc822' });
    expect(eml!.sha256).toBe(sha256(inner));
    expect(dat).toMatchObject({ name: 'winmail.dat', contentType: 'application/ms-tnef', size: tnef.length });
    expect(dat!.sha256).toBe(sha256(tnef));
  });

  it('decodes x-uuencode parts, named from their begin line when the headers name none', async () => {
    const data = bytesOf(4000, 11);
    const r = await prepare(
      mailWithFiles('<uu@example.com>', [
        {
          headers: ['Content-Type: application/octet-stream'],
          content: data,
          encoding: { cte: 'x-uuencode', text: uuencode(data, 'old-tool.zip') },
        },
      ]),
    );
    const [f] = r.prepared.decision.attachments!;
    expect(f).toMatchObject({ name: 'old-tool.zip', size: data.length, sha256: sha256(data) });
  });

  it('takes files uuencoded inside a text body out of the text', async () => {
    const data = bytesOf(1500, 12);
    const raw = Buffer.from(
      `From: a@example.com\r\nTo: b@example.com\r\nSubject: uu\r\nMessage-ID: <uu-body@example.com>\r\n\r\nHere it is:\r\n\r\n${uuencode(data, 'report.bin').replace(/\n/g, '\r\n')}\r\nRegards\r\n`,
    );
    const r = await prepare(raw);
    expect(r.prepared.decision.attachments).toEqual([
      expect.objectContaining({ name: 'report.bin', size: data.length, sha256: sha256(data) }),
    ]);
    expect(r.prepared.payload.Body).toContain('[attachment: report.bin]');
    expect(r.prepared.payload.Body).toContain('Regards');
    expect(r.prepared.payload.Body).not.toContain('begin 644');
  });

  it('blocks executable types and refuses too-large files, with notes in DebugInfo', async () => {
    const s = steps({ maxBytes: 1000, maxMailBytes: 1500 });
    const r = await prepare(
      mailWithFiles('<policy@example.com>', [
        { headers: ['Content-Type: application/octet-stream; name="setup.EXE"'], content: bytesOf(100) },
        { headers: ['Content-Type: application/pdf; name="big.pdf"'], content: bytesOf(1001) },
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], content: bytesOf(900) },
        { headers: ['Content-Type: application/pdf; name="b.pdf"'], content: bytesOf(700) },
        { headers: ['Content-Type: application/pdf; name="c.pdf"'], content: bytesOf(600) },
      ]),
      s,
    );
    const list = r.prepared.decision.attachments!;
    expect(list.map((a) => [a.name, a.outcome])).toEqual([
      ['setup.EXE', 'blocked'],
      ['big.pdf', 'too-large'],
      ['a.pdf', 'would-upload'],
      ['b.pdf', 'too-large'], // 900 + 700 > maxMailBytes
      ['c.pdf', 'would-upload'], // 900 + 600 fits
    ]);
    const { payload } = finishMail(r.prepared, { matchedBy: 'none', candidates: [] });
    expect(payload.DebugInfo).toContain('setup.EXE not uploaded: .exe is blocked');
    expect(payload.DebugInfo).toContain('big.pdf not uploaded: 1001 bytes, over attachments.maxBytes');
    expect(payload.DebugInfo).toContain('attachments.maxMailBytes');
  });

  it('mode skip keeps the counting fast path: no files, no list, sizes still known', async () => {
    const r = await prepare(
      mailWithFiles('<skip@example.com>', [
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], content: pdf },
      ]),
      steps({ mode: 'skip' }),
    );
    expect(r.prepared.decision.attachments).toBeUndefined();
    expect(r.files).toBeUndefined();
    const mail = await parseMail(
      mailWithFiles('<skip@example.com>', [
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], content: pdf },
      ]),
    );
    expect(mail.files).toBeUndefined();
    expect(mail.attachments).toEqual([
      { filename: 'a.pdf', contentType: 'application/pdf', size: pdf.length },
    ]);
  });

  it('inline images stay data: URIs by default; body.inlineImages "attachments" uploads them and keeps cid:', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), bytesOf(200, 5)]);
    const mail = () =>
      mailWithFiles(
        '<inline@example.com>',
        [
          {
            headers: [
              'Content-Type: image/png; name="logo.png"',
              'Content-ID: <logo@x>',
              'Content-Disposition: inline',
            ],
            content: png,
          },
        ],
        { html: '<p>hi <img src="cid:logo@x" alt="logo"></p>' },
      );
    const byDefault = await prepare(mail());
    // No files: the decision has no attachment list at all (src/pipeline.ts keeps it as it was).
    expect(byDefault.prepared.decision.attachments).toBeUndefined();
    expect(byDefault.prepared.payload.HtmlBody).toContain('data:image/png;base64,');

    const asFiles = await prepare(mail(), steps({}, { inlineImages: 'attachments' }));
    expect(asFiles.prepared.decision.attachments).toEqual([
      expect.objectContaining({
        name: 'logo.png',
        inline: true,
        sha256: sha256(png),
        outcome: 'would-upload',
      }),
    ]);
    // without angle brackets: the form a cid: URL names (RFC 2392)
    expect(asFiles.files![0]!.contentId).toBe('logo@x');
    expect(asFiles.prepared.payload.HtmlBody).toContain('src="cid:logo@x"');
    expect(asFiles.prepared.payload.HtmlBody).not.toContain('data:image');
  });
});

describe('replay --dry-run', () => {
  it('lists what would be uploaded, with sha256, and spools nothing', async () => {
    const file = join(tmp, 'dry.eml');
    writeFileSync(
      file,
      mailWithFiles('<dry@example.com>', [
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], content: pdf },
        { headers: ['Content-Type: application/octet-stream; name="run.bat"'], content: bytesOf(10) },
      ]),
    );
    const stateDir = join(tmp, 'dry-state');
    const { code, stdout, stderr } = await cliAsync([
      'replay',
      '--dry-run',
      '--quiet',
      '--config',
      writeConfig({ stateDir }),
      file,
    ]);
    expect(code, stderr).toBe(0);
    const line = JSON.parse(stdout.trim());
    expect(line.outcome).toBe('dry-run');
    expect(line.decision.attachments).toEqual([
      {
        name: 'a.pdf',
        contentType: 'application/pdf',
        size: pdf.length,
        sha256: sha256(pdf),
        outcome: 'would-upload',
      },
      expect.objectContaining({ name: 'run.bat', outcome: 'blocked' }),
    ]);
    expect(existsSync(join(stateDir, SPOOL_DIR))).toBe(false);
  });
});

function writeConfig(c: unknown): string {
  const path = join(tmp, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(c));
  return path;
}

describe('spooling', () => {
  it('live: allowed files are spooled with the same bytes, refused ones never; removal leaves nothing', async () => {
    const root = join(tmp, SPOOL_DIR, String(process.pid));
    const r = await prepare(
      mailWithFiles('<spool@example.com>', [
        { headers: ['Content-Type: application/pdf; name="a.pdf"'], content: pdf },
        { headers: ['Content-Type: application/octet-stream; name="x.exe"'], content: bytesOf(50) },
      ]),
      steps({}, {}, root),
    );
    const [a, exe] = r.files!;
    expect(readFileSync(a!.spoolPath!)).toEqual(pdf);
    expect(exe!.spoolPath).toBeUndefined();
    removeSpool(r.files);
    expect(existsSync(a!.spoolPath!)).toBe(false);
  });

  it('a file that grows past maxBytes stops being written; stale spool of dead processes is cleaned', async () => {
    const root = join(tmp, SPOOL_DIR, '999999999');
    const cfg = attachmentsConfigSchema.parse({ maxBytes: 10, maxMailBytes: 10 });
    const sink = new MailFileSink(cfg, root);
    const w = sink.open({ name: 'a.bin', contentType: 'application/octet-stream' });
    await w.write(Buffer.alloc(8));
    await w.write(Buffer.alloc(8));
    const f = await w.close();
    expect(f).toMatchObject({ size: 16, refused: { outcome: 'too-large' } });
    expect(f.spoolPath).toBeUndefined();
    // a left-over directory of a process that is gone (pid 999999999) goes at start
    const w2 = sink.open({ name: 'b.bin', contentType: 'application/octet-stream' });
    await w2.write(Buffer.alloc(4));
    const kept = await w2.close();
    expect(existsSync(kept.spoolPath!)).toBe(true);
    expect(cleanStaleSpool(tmp)).toBeGreaterThanOrEqual(1);
    expect(existsSync(kept.spoolPath!)).toBe(false);
  });

  it('the default config uploads, blocks executables, and validates its limits', () => {
    const c = defaultConfig().attachments;
    expect(c.mode).toBe('upload');
    expect(c.blockExtensions).toEqual(expect.arrayContaining(['exe', 'js', 'vbs', 'ps1', 'lnk', 'msi']));
    expect(() => parseConfig({ attachments: { maxBytes: 0 } })).toThrow(/attachments\.maxBytes/);
    expect(() => parseConfig({ attachments: { maxBytes: 10, maxMailBytes: 5 } })).toThrow(/maxMailBytes/);
    expect(() => parseConfig({ attachments: { blockExtensions: ['../x'] } })).toThrow(/blockExtensions/);
    expect(
      parseConfig({ attachments: { blockExtensions: ['.EXE', 'exe'] } }).attachments.blockExtensions,
    ).toEqual(['exe']);
  });
});
