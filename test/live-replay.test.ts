import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyLive } from '../src/api/live.js';
import { buildContext } from '../src/commands/context.js';
import { replay } from '../src/commands/replay.js';
import { defaultConfig } from '../src/config.js';
import type { MailResult } from '../src/pipeline.js';
import { sandboxApiConfig, startSandbox, testClient } from './helpers/sandbox.js';

const FIXTURES = 'fixtures';

function ndjsonSink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
}

describe('live replay of every fixture against the sandbox', () => {
  it('with 10% of requests failing (500, 429, dropped), every mail ends updated and nothing is duplicated', async () => {
    const sb = await startSandbox({ seed: [FIXTURES] });
    const { client, delays } = await testClient(sandboxApiConfig(sb.url));
    const built = await buildContext(defaultConfig(), { dryRun: false });
    try {
      const seeded = sb.seedReport!;
      expect(seeded.seeded).toBeGreaterThan(300);
      const before = sb.state();
      sb.setFaults({ errorRate: 0.05, rateLimitRate: 0.02, retryAfterSeconds: 1, dropRate: 0.03, seed: 42 });

      const ctx = {
        ...built.pipeline,
        apply: (mapped: Parameters<typeof applyLive>[0], signal?: AbortSignal) =>
          applyLive(mapped, client, { onUnmatched: 'defer', ...(signal ? { signal } : {}) }),
      };
      const lines: string[] = [];
      const results: MailResult[] = [];
      const summary = await replay(
        [FIXTURES],
        ctx,
        undefined,
        { stdout: ndjsonSink(lines), stderr: ndjsonSink([]) },
        (r) => results.push(r),
      );

      const after = sb.state();
      const faults = Object.values(after.counters.faults).reduce((a, b) => a + b, 0);
      // The injected share really hit this run (roughly 10% of all API requests).
      expect(faults).toBeGreaterThan(after.counters.requests * 0.05);
      expect(client.stats.retries).toBeGreaterThanOrEqual(delays.length);

      const outcomes = new Map<string, number>();
      for (const r of results) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
      // Mail the seed could not import is mail the pipeline cannot parse either: quarantined, not lost.
      expect(outcomes.get('quarantined') ?? 0).toBe(seeded.skipped.length);
      expect(results.filter((r) => r.outcome === 'deferred')).toEqual([]);
      expect((outcomes.get('updated') ?? 0) + (outcomes.get('re-threaded') ?? 0)).toBe(seeded.seeded);
      expect(summary.total).toBe(results.length);

      // NDJSON lines carry the outcome and the entity id.
      expect(lines).toHaveLength(results.length);
      for (const line of lines) {
        const r = JSON.parse(line) as MailResult;
        if (r.outcome === 'updated' || r.outcome === 're-threaded') expect(r.entityId).toBeGreaterThan(0);
      }

      // No duplicate effects: no message created, every seeded message now carries the mapper's fields.
      expect(after.messages).toHaveLength(before.messages.length);
      expect(after.counters.posts).toBe(0);
      // The corpus reuses some Message-Ids across mails; the seed stored one message per mail, and the
      // live flow updates the oldest message carrying an id (the others are reported, not guessed at).
      const updatedIds = new Set(results.map((r) => r.entityId));
      const oldest = new Map<unknown, number>();
      for (const m of after.messages) {
        if (!oldest.has(m.MessageId) || oldest.get(m.MessageId)! > m.EjMessageId)
          oldest.set(m.MessageId, m.EjMessageId);
      }
      for (const m of after.messages) {
        if (oldest.get(m.MessageId) === m.EjMessageId) {
          expect(updatedIds.has(m.EjMessageId)).toBe(true);
          expect(m.MailSorter).toBe('mail2ticket');
        } else {
          expect(updatedIds.has(m.EjMessageId)).toBe(false);
          expect(m.MailSorter).toBe('sandbox-import');
        }
        // Fields the mail does not determine survived every PUT.
        expect(m.CreatedBy).toMatchObject({ AssociateId: 1 });
        expect(m.CustomFields).toEqual({});
      }
      expect(updatedIds.size).toBe(oldest.size);
    } finally {
      await built.close();
      await client.close();
      await sb.close();
    }
  }, 300_000);
});
