/** The outcomes a live run reports, listed even when zero. */
export const LIVE_OUTCOMES = ['updated', 'created', 'deferred', 'quarantined', 're-threaded'] as const;

import type { MailResult } from '../pipeline.js';

/** Counts for the human summary at the end of a replay. */
export class Summary {
  total = 0;
  readonly byOutcome = new Map<string, number>();
  readonly byKind = new Map<string, number>();
  readonly errors = new Map<string, number>();

  add(result: MailResult): void {
    this.total++;
    bump(this.byOutcome, result.outcome);
    const kind = result.decision?.classification.kind;
    if (kind) bump(this.byKind, kind);
    if (result.error) bump(this.errors, result.error.code);
  }

  /** @param always outcomes listed even when none had them (the live summary names all five). */
  format(always: readonly string[] = []): string {
    const outcomes = new Map(this.byOutcome);
    for (const o of always) if (!outcomes.has(o)) outcomes.set(o, 0);
    const list = (m: Map<string, number>) =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
    const lines = [`${this.total} mail${this.total === 1 ? '' : 's'}: ${list(outcomes) || 'none'}`];
    if (this.byKind.size) lines.push(`  kinds: ${list(this.byKind)}`);
    if (this.errors.size) lines.push(`  errors: ${list(this.errors)}`);
    return lines.join('\n');
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}
