/**
 * Real parts (Dovecot, Chromium, openssl, PostgreSQL) are tested for real, never
 * faked. A suite that needs one asks `realPartsAvailable(import.meta.url, ...parts)`:
 * - under CI=true a missing part is an error: the suite file fails to load, the run fails;
 * - elsewhere the suite skips, and the skip is recorded (file and reason) so that
 *   test/helpers/skip-summary.ts prints it on the last lines of the run: a local green run with
 *   skips cannot be mistaken for a full one.
 *
 * Records cross vitest's forked workers as one small file each in the directory named by
 * M2T_SKIP_DIR (set by the global setup before any worker starts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RealPart {
  /** What the part is, e.g. "dovecot". */
  name: string;
  /** The executable (or socket, or file) whose absence means the part is missing. */
  path: string;
  /** How to get it, for the CI error message. */
  install: string;
}

export interface SkipRecord {
  file: string;
  reason: string;
}

export const SKIP_DIR_ENV = 'M2T_SKIP_DIR';

/** The part's check: present, or why not. */
export function missingReason(part: RealPart): string | undefined {
  return existsSync(part.path) ? undefined : `${part.name} not found (${part.path})`;
}

/**
 * True when every part is present. When one is missing: under CI=true throws (naming the package to
 * install); elsewhere records the skip for the end-of-run summary and returns false.
 */
export function realPartsAvailable(suiteUrl: string, ...parts: RealPart[]): boolean {
  const missing = parts.flatMap((p) => {
    const why = missingReason(p);
    return why ? [{ part: p, why }] : [];
  });
  if (missing.length === 0) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but ${missing.map((m) => `${m.why}: install ${m.part.install}`).join('; ')}`);
  }
  recordSkip({ file: suiteFile(suiteUrl), reason: missing.map((m) => m.why).join('; ') });
  return false;
}

function suiteFile(url: string): string {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  return relative(process.cwd(), path);
}

export function recordSkip(rec: SkipRecord): void {
  const dir = process.env[SKIP_DIR_ENV];
  if (!dir) {
    // Not under the configured global setup (e.g. a script importing a helper): say it here instead.
    process.stderr.write(`SKIPPED: ${rec.file} — ${rec.reason}\n`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/${Date.now()}-${randomBytes(4).toString('hex')}.json`, JSON.stringify(rec));
}
