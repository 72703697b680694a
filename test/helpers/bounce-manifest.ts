/**
 * The bounce corpus's manifest (fixtures/bounce-corpus/manifest.jsonl, from libsisimai, BSD-2) and
 * how a classification is scored against it: shared by test/classify-corpus.test.ts and the dev tool
 * scripts/classify-halves.ts, so both count the same thing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Classification } from '../../src/types.js';

export interface ManifestEntry {
  file: string;
  kind: string;
  recipients: { address: string | null; status: string | null; permanent: boolean | null }[];
}

export function readManifest(corpusDir: string): ManifestEntry[] {
  return readFileSync(join(corpusDir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ManifestEntry);
}

/**
 * The manifest comes from Sisimai, which has no "delay" or "out-of-office" kind: its auto-reply
 * covers our out-of-office, and its bounce covers our delivery-delay when every recipient in the
 * file is a temporary (class 4) failure, i.e. the report's Action was "delayed".
 */
export function kindMatches(entry: ManifestEntry, c: Classification): boolean {
  if (c.kind === entry.kind) return true;
  if (entry.kind === 'auto-reply' && c.kind === 'out-of-office') return true;
  return (
    entry.kind === 'bounce' &&
    c.kind === 'delivery-delay' &&
    entry.recipients.every((r) => r.permanent === false)
  );
}
