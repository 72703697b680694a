/**
 * Memory (issue 2): replaying a mail with a 60 MiB attachment must not hold the mail in memory.
 * The real replay CLI runs in a child process (from source via tsx, so no build is needed); a
 * preloaded one-liner prints the child's peak RSS (getrusage ru_maxrss, the same figure as
 * /proc/<pid>/status VmHWM) at exit.
 *
 * Why two comparisons: any multi-megabyte mail lets V8's young generation grow to its maximum
 * (16 MiB semi-spaces by default), which costs ~25-35 MiB of RSS over a tiny mail whatever the
 * mail's size. So (1) the peak for the 60 MiB attachment is compared with a tiny mail and must stay
 * well below the mail's size, and (2) it is compared with a 6 MiB attachment: ten times the
 * attachment must cost almost nothing more. A parser that buffered the attachment (or the decoded
 * base64, or the raw mail) fails (2) by ~55-80 MiB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigAttachmentMail } from './helpers/bad-mail.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const MARK = 'M2T_PEAK_RSS_KB';
const REPORT_PEAK = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\n${MARK} '+process.resourceUsage().maxRSS+'\\n'))`;

interface Run {
  peakBytes: number;
  code: number | null;
  lines: { outcome: string; source: string; error?: { code: string } }[];
  stderr: string;
}

/** Replay one file in dry-run in a child process; resolve with its peak RSS and NDJSON lines. */
function replayInChild(file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', REPORT_PEAK, join(root, 'src/cli.ts'), 'replay', '--dry-run', file],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      const kb = new RegExp(`${MARK} (\\d+)`).exec(stderr)?.[1];
      if (kb === undefined) {
        reject(new Error(`child reported no peak RSS (exit ${code}): ${stderr.slice(-2000)}`));
        return;
      }
      const lines = Buffer.concat(out)
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Run['lines'][number]);
      resolve({ peakBytes: Number(kb) * 1024, code, lines, stderr });
    });
  });
}

const mb = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

describe('memory: replaying a 60 MiB attachment', () => {
  let dir: string;
  let big: string;
  let bigSize: number;
  let mid: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'm2t-memory-'));
    big = join(dir, 'big-60mib.eml');
    mid = join(dir, 'mid-6mib.eml');
    bigSize = await writeBigAttachmentMail(big, 60 * MiB);
    await writeBigAttachmentMail(mid, 6 * MiB);
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the child far below the mail size, and flat as the attachment grows', async () => {
    // Sequential on purpose: concurrent children would compete for the 2 cores, not for memory,
    // but sequential runs keep the figures comparable.
    const tiny = await replayInChild(join(root, 'fixtures/mail/001-plain-text-lf.eml'));
    const small = await replayInChild(mid);
    const large = await replayInChild(big);

    for (const run of [tiny, small, large]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.lines).toHaveLength(1);
      expect(run.lines[0]?.outcome, JSON.stringify(run.lines[0])).toBe('dry-run');
    }

    const growth = large.peakBytes - tiny.peakBytes;
    const perTenfold = large.peakBytes - small.peakBytes;
    console.log(
      `memory: mail ${mb(bigSize)} (60 MiB attachment); peak RSS tiny mail ${mb(tiny.peakBytes)}, ` +
        `6 MiB attachment ${mb(small.peakBytes)}, 60 MiB attachment ${mb(large.peakBytes)}; ` +
        `growth over tiny ${mb(growth)}, over 6 MiB ${mb(perTenfold)}`,
    );

    // (1) The whole mail never sits in memory: growth stays far below its size (82 MiB).
    expect(growth).toBeLessThan(48 * MiB);
    expect(growth).toBeLessThan(bigSize * 0.6);
    // (2) Ten times the attachment (54 MiB more) costs less than 20 MiB more: nothing is buffered.
    expect(perTenfold).toBeLessThan(20 * MiB);
  }, 600_000);
});
