/**
 * Dev tool: how often does parseMail read From / Subject / Message-Id differently from CPython's
 * `email` package (policy.default)? Runs scripts/cpython-reference.py (python3) over every .eml
 * under the given folders (default: fixtures/) and over mutated copies of each (other line
 * endings, a header flood, odd folding, split encoded-words, a missing blank line, raw UTF-8
 * headers, tabs), then parses the same bytes with parseMail and prints the differences.
 *
 *   node --import tsx scripts/compare-cpython.ts [--verbose] [DIR...]
 *
 * Comparison rules (see the report in the parsewild branch history for why):
 * - From: the address of ParsedMail.from against CPython's addresses of the first From field,
 *   case-insensitive; when that field has no address with a domain (CPython reads a bare phrase
 *   as a local part), against the first From field that has one (issue #12 cause 3).
 * - Subject and Message-Id: runs of whitespace collapsed, trimmed (unfolding differences are not
 *   identity differences).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMail } from '../src/parse/parse.js';

interface Reference {
  file: string;
  mutation: string;
  path: string;
  from: string[];
  fromAny: string[];
  subject: string | null;
  messageId: string | null;
}

const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) dirs.push('fixtures');

function emlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...emlFiles(p));
    else if (name.endsWith('.eml')) out.push(p);
  }
  return out;
}

// the same mail under two folders (fixtures/bounce-corpus and shared/corpora/bounces) counts once
const seen = new Set<string>();
const files = dirs.flatMap(emlFiles).filter((f) => {
  const hash = createHash('sha256').update(readFileSync(f)).digest('hex');
  if (seen.has(hash)) return false;
  seen.add(hash);
  return true;
});
const work = mkdtempSync(join(tmpdir(), 'm2t-cpython-'));
const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();

try {
  const out = execFileSync('python3', [join(import.meta.dirname, 'cpython-reference.py'), work, ...files], {
    maxBuffer: 512 * 1024 * 1024,
    encoding: 'utf8',
  });
  const refs = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Reference);
  const byMutation = new Map<string, { mails: number; mailsDiffering: number; fields: number }>();
  let mails = 0;
  let differing = 0;
  let fieldDiffs = 0;
  const lines: string[] = [];
  for (const ref of refs) {
    const stat = byMutation.get(ref.mutation) ?? { mails: 0, mailsDiffering: 0, fields: 0 };
    byMutation.set(ref.mutation, stat);
    stat.mails++;
    mails++;
    const diffs: string[] = [];
    try {
      const mail = await parseMail(readFileSync(ref.path));
      const ours = (mail.from?.address ?? '').toLowerCase();
      const firstHasDomain = ref.from.some((a) => a.includes('@'));
      const theirs = (firstHasDomain || !ref.fromAny.length ? ref.from : ref.fromAny).map((a) =>
        a.toLowerCase(),
      );
      if (!(theirs.length === 0 ? ours === '' : theirs.includes(ours)))
        diffs.push(`from: ours ${JSON.stringify(ours)} cpython ${JSON.stringify(theirs)}`);
      if (norm(mail.subject) !== norm(ref.subject))
        diffs.push(
          `subject: ours ${JSON.stringify(norm(mail.subject))} cpython ${JSON.stringify(norm(ref.subject))}`,
        );
      if (norm(mail.messageId) !== norm(ref.messageId))
        diffs.push(
          `message-id: ours ${JSON.stringify(mail.messageId)} cpython ${JSON.stringify(ref.messageId)}`,
        );
    } catch (err) {
      diffs.push(`error: ${(err as Error).message}`);
    }
    if (diffs.length) {
      differing++;
      stat.mailsDiffering++;
      stat.fields += diffs.length;
      fieldDiffs += diffs.length;
      for (const d of diffs) lines.push(`${ref.mutation}\t${ref.file}\t${d}`);
    }
  }
  if (verbose) for (const l of lines) console.log(l);
  console.log('\nmutation          mails  differing  fields');
  for (const [k, s] of byMutation)
    console.log(
      `${k.padEnd(16)} ${String(s.mails).padStart(6)} ${String(s.mailsDiffering).padStart(10)} ${String(s.fields).padStart(7)}`,
    );
  console.log(
    `${'total'.padEnd(16)} ${String(mails).padStart(6)} ${String(differing).padStart(10)} ${String(fieldDiffs).padStart(7)}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
