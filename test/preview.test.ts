import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, packRecord, renderPreview } from '../src/preview/render.js';

const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('preview renderer', () => {
  it('escapes text and attributes, and JSON so that it cannot end its script element', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&#60;a href=&#34;x&#34; title=&#39;y&#39;&#62;&#38;&#60;/a&#62;',
    );
    const tricky = { s: '</script><script>alert(1)</script><!-- \u2028 & >' };
    const json = jsonForScript(tricky);
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual(tricky);
  });

  it('packs the full record gzipped and keeps a plain summary for the list', () => {
    const record = {
      source: 'a.eml',
      outcome: 'quarantined' as const,
      error: { code: 'E_MIME_MALFORMED', message: '</script>' },
      attachments: [],
    };
    const packed = packRecord(record);
    expect(packed.summary).toMatchObject({
      source: 'a.eml',
      outcome: 'quarantined',
      kind: 'unparsed',
      parsed: false,
    });
    expect(JSON.parse(gunzipSync(Buffer.from(packed.detail, 'base64')).toString('utf8'))).toEqual({
      error: record.error,
      attachments: [],
    });
    const html = renderPreview([record], { title: '<t>', generatedAt: 'now', paths: ['<p>'] });
    expect(html).toContain('<title>&#60;t&#62;</title>');
    expect(html).not.toContain('</script><');
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/,
    );
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//); // no external assets
  });
});

describe('mail2ticket preview (built bin)', () => {
  it('writes one self-contained report, prints its path, and writes no state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-preview-cli-'));
    const stateDir = join(dir, 'state-never-created');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ stateDir }));
    const out = join(dir, 'report.html');
    const r = cli('preview', '--config', join(dir, 'config.json'), '--out', out, FIXTURES);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${out}\n`);
    expect(r.stderr).toMatch(/^\d+ mails: dry-run \d+/);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<script type="application/json" id="m2t-data">');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('bad input: one line and the usage, exit 2, never a stack trace', () => {
    const none = cli('preview');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'mail2ticket preview: missing PATH\nusage: mail2ticket preview [--config FILE] [--out FILE] PATH...\n',
    );
    const missing = cli('preview', '/nonexistent/mail');
    expect(missing.code).toBe(2);
    expect(missing.stderr.split('\n')[0]).toMatch(/^mail2ticket preview: .*\/nonexistent\/mail/);
    const flag = cli('preview', '--bogus', FIXTURES);
    expect(flag.code).toBe(2);
    expect(flag.stderr).not.toMatch(/\n\s+at /);
    const out = cli('preview', '--out', '/nonexistent/dir/r.html', join(FIXTURES, '001-plain-text-lf.eml'));
    expect(out.code).toBe(1);
    expect(out.stderr.trim().split('\n').at(-1)).toMatch(
      /^mail2ticket preview: cannot write \/nonexistent\/dir\/r\.html: /,
    );
  });

  it('npm start (demo) ends by writing its preview and printing the path', () => {
    const r = cli('demo');
    expect(r.code, r.stderr).toBe(0);
    const path = r.stdout.trim();
    expect(path).toMatch(/preview\.html$/);
    const html = readFileSync(path, 'utf8');
    expect(html).toContain('mail2ticket demo: what agents will see');
    expect(html).toMatch(/"outcome":"updated"/);
  }, 180_000);
});
