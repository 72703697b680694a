import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../src/commands/progress.js';
import { realPartsAvailable } from './helpers/real-parts.js';

const BIN = new URL('../bin/mail2ticket.js', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/mail/', import.meta.url).pathname;
const SCRIPT = { name: 'script (util-linux)', path: '/usr/bin/script', install: 'bsdutils' };
const PROGRESS = /\r\x1b\[K\d+\/(\d+|\?) mails {2}\d+\.\d\/s {2}ETA (\?|\d+:\d\d) {2}dry-run \d+/;

/** Run the built CLI under a pseudo-terminal (`script`), returning everything it wrote to it. */
function onTerminal(args: string[]): { code: number | null; out: string } {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('/usr/bin/script', ['-qfec', quoted, '/dev/null'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout };
}

describe('progress line', () => {
  it('formats done/total, rate, ETA and outcome counts (a fake clock)', () => {
    let t = 0;
    const writes: string[] = [];
    const p = new ProgressLine({ write: (s) => writes.push(s), isTTY: true }, Promise.resolve(10), () => t);
    return Promise.resolve().then(() => {
      t = 2000;
      p.add({ source: 'a', outcome: 'updated' });
      p.add({ source: 'b', outcome: 'quarantined' });
      p.add({ source: 'c', outcome: 'updated' });
      p.add({ source: 'd', outcome: 'updated' });
      expect(p.line(4000)).toBe('4/10 mails  1.0/s  ETA 0:06  updated 3, quarantined 1');
      expect(writes[0]).toBe('\r\x1b[K1/10 mails  0.5/s  ETA 0:18  updated 1');
      expect(writes).toHaveLength(1); // redrawn at most every 250 ms
      p.end();
      expect(writes.at(-1)).toBe('\r\x1b[K');
    });
  });

  describe.skipIf(!realPartsAvailable(import.meta.url, SCRIPT))('replay on a (pseudo) terminal', () => {
    const out = () => join(mkdtempSync(join(tmpdir(), 'm2t-progress-')), 'out.ndjson');

    it('shows one updating line on stderr, erased before the summary', () => {
      const r = onTerminal(['replay', '--dry-run', '--out', out(), FIXTURES]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(PROGRESS);
      // The line is erased, then the summary follows on its own.
      expect(r.out).toMatch(/\r\x1b\[K\d+ mails: dry-run \d+\r?\n/);
      expect(r.out.split('\n').filter((l) => l.includes('mails  ')).length).toBe(1); // one line, redrawn
    });

    it('--quiet: no progress line, the summary only', () => {
      const r = onTerminal(['replay', '--dry-run', '--quiet', '--out', out(), FIXTURES]);
      expect(r.code).toBe(0);
      expect(r.out).not.toContain('\x1b[K');
      expect(r.out).toMatch(/^\d+ mails: dry-run \d+\r?\n/);
    });
  });

  it('not a terminal: nothing but the summary on stderr', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'replay',
        '--dry-run',
        '--out',
        join(mkdtempSync(join(tmpdir(), 'm2t-progress-')), 'o'),
        FIXTURES,
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(/^\d+ mails: dry-run \d+\n/);
  });
});
