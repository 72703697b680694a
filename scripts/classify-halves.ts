/**
 * Dev tool: the classifier's figures on two halves of the bounce corpus, to tell a rule that
 * generalises from one that only memorises the samples it was written from (issue #12).
 *
 *   node --import tsx scripts/classify-halves.ts [corpus-dir] [--misses]
 *
 * The split is by sample number within each family (the file name up to its number): the
 * family's samples in number order alternate between half A (1st, 3rd, ...) and half B (2nd,
 * 4th, ...), so every family with two or more samples is in both halves. Scoring follows
 * test/classify-corpus.test.ts (a manifest "bounce" whose recipients are all temporary may be
 * read as delivery-delay; "auto-reply" may be read as out-of-office). Also counts the false
 * bounces and non-messages among fixtures/normal.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify } from '../src/classify/index.js';
import { parseMail } from '../src/parse/parse.js';
import { kindMatches, type ManifestEntry, readManifest } from '../test/helpers/bounce-manifest.js';

const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const root = join(import.meta.dirname, '..');
const corpus = args.find((a) => !a.startsWith('--')) ?? join(root, 'fixtures', 'bounce-corpus');
const manifest: ManifestEntry[] = readManifest(corpus);

/** "lhost-postfix-17.eml" -> ["lhost-postfix", 17]. */
function familyOf(file: string): [string, number] {
  const m = /^(.*)-(\d+)\.eml$/.exec(file);
  return m ? [m[1]!, Number(m[2])] : [file, 0];
}

const half = new Map<string, 'A' | 'B'>();
const byFamily = new Map<string, ManifestEntry[]>();
for (const e of manifest) {
  const [family] = familyOf(e.file);
  byFamily.set(family, [...(byFamily.get(family) ?? []), e]);
}
for (const entries of byFamily.values()) {
  entries.sort((a, b) => familyOf(a.file)[1] - familyOf(b.file)[1]);
  entries.forEach((e, i) => {
    half.set(e.file, i % 2 === 0 ? 'A' : 'B');
  });
}

interface Score {
  files: number;
  kind: number;
  bounces: number;
  rcpt: number;
  found: number;
  status: number;
  permanent: number;
  originalId: number;
  misses: string[];
}
const empty = (): Score => ({
  files: 0,
  kind: 0,
  bounces: 0,
  rcpt: 0,
  found: 0,
  status: 0,
  permanent: 0,
  originalId: 0,
  misses: [],
});
const scores = { A: empty(), B: empty() };

for (const e of manifest) {
  const c = classify(await parseMail(readFileSync(join(corpus, 'eml', e.file))));
  const s = scores[half.get(e.file)!];
  s.files++;
  if (kindMatches(e, c)) s.kind++;
  else
    s.misses.push(`${e.file}: kind ${c.kind}, manifest ${e.kind} [${c.evidence.join('; ').slice(0, 120)}]`);
  if (e.kind !== 'bounce') continue;
  s.bounces++;
  if (c.bounce?.originalMessageId) s.originalId++;
  else s.misses.push(`${e.file}: no original Message-Id`);
  const used = new Set<object>();
  for (const r of e.recipients) {
    s.rcpt++;
    const got = c.bounce?.recipients.find(
      (x) => !used.has(x) && (r.address === null || x.address.toLowerCase() === r.address.toLowerCase()),
    );
    if (!got) {
      s.misses.push(`${e.file}: recipient ${r.address} not found`);
      continue;
    }
    used.add(got);
    s.found++;
    if (got.status === r.status) s.status++;
    else s.misses.push(`${e.file}: ${r.address} status ${got.status}, manifest ${r.status}`);
    if ((got.status?.startsWith('5') ?? null) === r.permanent) s.permanent++;
  }
}

let falseBounces = 0;
const notMessage: string[] = [];
const normal = join(root, 'fixtures', 'normal');
for (const f of readdirSync(normal).filter((n) => n.endsWith('.eml'))) {
  const c = classify(await parseMail(readFileSync(join(normal, f))));
  if (c.kind === 'bounce' || c.kind === 'delivery-delay' || c.kind === 'delivery-report') falseBounces++;
  if (c.kind !== 'message') notMessage.push(`${f}: ${c.kind}`);
}

const pct = (n: number, d: number) => `${n}/${d} = ${d ? ((100 * n) / d).toFixed(1) : '-'}%`;
const lines = ['measure                 half A                 half B'];
const row = (name: string, f: (s: Score) => string) =>
  lines.push(`${name.padEnd(24)}${f(scores.A).padEnd(23)}${f(scores.B)}`);
row('kind correct', (s) => pct(s.kind, s.files));
row('recipients found', (s) => pct(s.found, s.rcpt));
row('status equal', (s) => pct(s.status, s.rcpt));
row('permanence equal', (s) => pct(s.permanent, s.rcpt));
row('original Message-Id', (s) => pct(s.originalId, s.bounces));
lines.push(`fixtures/normal: false bounces ${falseBounces}, not message ${notMessage.length}`);
if (showMisses) {
  for (const h of ['A', 'B'] as const)
    lines.push(`misses in half ${h}:`, ...scores[h].misses.map((m) => `  ${m}`));
  lines.push(...notMessage.map((m) => `  normal ${m}`));
}
process.stdout.write(`${lines.join('\n')}\n`);
