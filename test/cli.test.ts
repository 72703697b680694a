import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mail2ticket CLI (built bin)', () => {
  it('replays a folder in dry-run: one NDJSON line per mail, a summary on stderr, exit 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-cli-'));
    writeFileSync(join(dir, 'a.eml'), 'From: a@example.com\nSubject: one\nMessage-ID: <1@x>\n\nhello\n');
    writeFileSync(join(dir, 'b.eml'), '');
    const r = cli('replay', '--dry-run', dir);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.source, l.outcome])).toEqual([
      [join(dir, 'a.eml'), 'dry-run'],
      [join(dir, 'b.eml'), 'quarantined'],
    ]);
    expect(lines[0].payload.MessageId).toBe('<1@x>');
    expect(lines[0].decision.classification.kind).toBe('message');
    expect(lines[1].error).toEqual({ code: 'E_MAIL_EMPTY', message: 'the mail is empty (0 bytes)' });
    expect(r.stderr).toContain('2 mails: dry-run 1, quarantined 1');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('writes NDJSON to --out', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'm2t-cli-')), 'out.ndjson');
    const r = cli('replay', '--dry-run', '--out', out, join(FIXTURES, '001-plain-text-lf.eml'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).outcome).toBe('dry-run');
  });

  it('an --out that cannot be opened or written is one line: exit 2 before any mail, exit 1 mid-run', () => {
    const mail = join(FIXTURES, '001-plain-text-lf.eml');
    const missing = join(mkdtempSync(join(tmpdir(), 'm2t-cli-')), 'no', 'such', 'dir.ndjson');
    const bad = cli('replay', '--dry-run', '--out', missing, mail);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      `mail2ticket: cannot write --out ${missing}: ENOENT: no such file or directory, open '${missing}'\n`,
    );
    // /dev/full opens and then refuses every write with ENOSPC, as a full disk does
    const full = cli('replay', '--dry-run', '--out', '/dev/full', mail);
    expect(full.code).toBe(1);
    expect(full.stderr).toBe(
      'mail2ticket: cannot write --out /dev/full: ENOSPC: no space left on device, write\n',
    );
  });

  it('gives the same NDJSON with worker threads (--jobs 2) as in-process (--jobs 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-cli-'));
    const one = cli('replay', '--dry-run', '--jobs', '1', '--out', join(dir, '1.ndjson'), FIXTURES);
    const two = cli('replay', '--dry-run', '--jobs', '2', '--out', join(dir, '2.ndjson'), FIXTURES);
    expect([one.code, two.code]).toEqual([0, 0]);
    const a = readFileSync(join(dir, '1.ndjson'), 'utf8');
    expect(a.split('\n').length).toBeGreaterThan(40);
    expect(readFileSync(join(dir, '2.ndjson'), 'utf8')).toBe(a);
  });

  it('gives the same NDJSON with the default --jobs auto as with --jobs 1, past the worker threshold', () => {
    // The fixtures twice (142 mails, over AUTO_JOBS_MIN_MAILS). Whether auto starts workers here
    // depends on idle cores; test/parallel-auto.test.ts forces both branches.
    const dir = mkdtempSync(join(tmpdir(), 'm2t-cli-'));
    const one = cli('replay', '--dry-run', '--jobs', '1', '--out', join(dir, '1.ndjson'), FIXTURES, FIXTURES);
    const auto = cli('replay', '--dry-run', '--out', join(dir, 'auto.ndjson'), FIXTURES, FIXTURES);
    expect([one.code, auto.code]).toEqual([0, 0]);
    const a = readFileSync(join(dir, '1.ndjson'), 'utf8');
    expect(a.trim().split('\n').length).toBeGreaterThan(100);
    expect(readFileSync(join(dir, 'auto.ndjson'), 'utf8')).toBe(a);
  });

  it('npm start (demo): seeds the sandbox and replays the fixtures live, every mail accounted for', () => {
    const r = cli('demo');
    expect(r.code).toBe(0);
    const m = /(\d+) mails: (.*)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const counts: Record<string, number> = Object.fromEntries(
      m![2]!.split(', ').map((p) => [p.split(' ')[0]!, Number(p.split(' ')[1])]),
    );
    expect(counts.updated).toBeGreaterThan(300);
    expect(counts.deferred).toBe(0);
    expect(counts.quarantined).toBe(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(Number(m![1]));
  });

  it.each([
    [['replay', '--dry-run', '--bogus', 'x'], "Unknown option '--bogus'"],
    [['replay', '--dry-run'], 'missing PATH'],
    [['replay', '--dry-run', '/nonexistent/mail.eml'], 'no such file or directory: /nonexistent/mail.eml'],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('usage error %j exits 2 with a one-line message', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports every config problem with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2t-cli-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ mapping: { slevel: 'Public' }, limits: { maxMailBytes: 0 }, typo: 1 }),
    );
    const r = cli('replay', '--dry-run', '--config', config, FIXTURES);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('mapping.slevel');
    expect(r.stderr).toContain('limits.maxMailBytes');
    expect(r.stderr).toContain('"typo"');
  });

  it('ends quietly with status 141, as SIGPIPE would, when the reader of stdout goes away', async () => {
    const corpus = new URL('../fixtures/bounce-corpus/', import.meta.url).pathname;
    for (const jobs of ['1', '2']) {
      const child = spawn(process.execPath, [BIN, 'replay', '--dry-run', '--jobs', jobs, corpus]);
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => {
        stderr += b.toString();
      });
      // the first line read, the reader closes the pipe (`| head -1`)
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect({ jobs, code, stderr }).toEqual({ jobs, code: 141, stderr: '' });
    }
  });
});
