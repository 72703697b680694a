/**
 * Vitest global setup: gives the workers a directory for skip records (test/helpers/real-parts.ts)
 * and, when the run ends, prints one line per skipped suite as the run's last lines:
 *   SKIPPED: test/daemon-dovecot.test.ts — dovecot not found (/usr/sbin/dovecot)
 * With M2T_SKIP_SUMMARY set, the same lines are also written to that file (.ci/run repeats them
 * after its count line).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIP_DIR_ENV, type SkipRecord } from './real-parts.js';

export function readSkips(dir: string): SkipRecord[] {
  const seen = new Set<string>();
  const out: SkipRecord[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    const rec = JSON.parse(readFileSync(join(dir, f), 'utf8')) as SkipRecord;
    const key = `${rec.file}\n${rec.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(rec);
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

export function skipLines(skips: SkipRecord[]): string[] {
  if (skips.length === 0) return [];
  return [
    `${skips.length} suite(s) SKIPPED for a missing real part (CI=true makes this a failure):`,
    ...skips.map((s) => `SKIPPED: ${s.file} — ${s.reason}`),
  ];
}

export default function setup(): () => void {
  // A fresh directory per run (never one left over in the environment), inherited by the forks.
  const dir = mkdtempSync(join(tmpdir(), 'm2t-skips-'));
  process.env[SKIP_DIR_ENV] = dir;
  return () => {
    const lines = skipLines(readSkips(dir));
    if (process.env.M2T_SKIP_SUMMARY)
      writeFileSync(process.env.M2T_SKIP_SUMMARY, lines.map((l) => `${l}\n`).join(''));
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
