import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyLive } from '../src/api/live.js';
import { threadApiFor } from '../src/api/thread-api.js';
import { buildContext } from '../src/commands/context.js';
import { replay } from '../src/commands/replay.js';
import { parseConfig } from '../src/config.js';
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
    const stateDir = mkdtempSync(join(tmpdir(), 'm2t-live-replay-'));
    // Served under a tenant, configured as the README shows it (`.../Cust12345/api`).
    const sb = await startSandbox({ seed: [FIXTURES], tenant: 'Cust12345' });
    const { client, delays } = await testClient(sandboxApiConfig(sb.apiUrl));
    const built = await buildContext(parseConfig({ stateDir }), {
      dryRun: false,
      threadApi: threadApiFor(client),
      apply: (mapped, signal) =>
        applyLive(mapped, client, { onUnmatched: 'defer', ...(signal ? { signal } : {}) }),
    });
    try {
      const seeded = sb.seedReport!;
      expect(seeded.seeded).toBeGreaterThan(300);
      const before = sb.state();
      sb.setFaults({ errorRate: 0.05, rateLimitRate: 0.02, retryAfterSeconds: 1, dropRate: 0.03, seed: 42 });

      const lines: string[] = [];
      const results: MailResult[] = [];
      const summary = await replay(
        [FIXTURES],
        built.pipeline,
        undefined,
        { stdout: ndjsonSink(lines), stderr: ndjsonSink([]) },
        { onResult: (r) => results.push(r) },
      );

      const after = sb.state();
      const faults = Object.values(after.counters.faults).reduce((a, b) => a + b, 0);
      // The injected share really hit this run (about 10% of all API requests), and was retried.
      expect(faults).toBeGreaterThan(after.counters.requests * 0.05);
      expect(delays.length).toBeGreaterThanOrEqual(faults);

      // Every mail is accounted for: updated (or moved to its thread's ticket), or a repeat of a
      // Message-Id already applied in this run. Nothing deferred, nothing quarantined that the seed
      // could import.
      const count = (o: string) => results.filter((r) => r.outcome === o).length;
      expect(results).toHaveLength(seeded.seeded + seeded.skipped.length);
      expect(summary.total).toBe(results.length);
      expect(results.filter((r) => r.outcome === 'deferred')).toEqual([]);
      expect(count('quarantined')).toBe(seeded.skipped.length);
      const distinctIds = new Set(before.messages.map((m) => m.MessageId)).size;
      expect(count('updated') + count('re-threaded')).toBe(distinctIds);
      expect(count('duplicate')).toBe(seeded.seeded - distinctIds);

      // NDJSON lines carry the outcome and the entity id.
      expect(lines).toHaveLength(results.length);
      for (const line of lines) {
        const r = JSON.parse(line) as MailResult;
        if (r.outcome === 'updated' || r.outcome === 're-threaded') expect(r.entityId).toBeGreaterThan(0);
      }

      // No duplicate effects: nothing created, and the oldest message of every Message-Id (the one
      // the live flow updates) carries the mapper's fields; later copies are untouched.
      expect(after.messages).toHaveLength(before.messages.length);
      expect(after.counters.posts).toBe(0);
      const updatedIds = new Set(results.map((r) => r.entityId).filter((id) => id !== undefined));
      const oldest = new Map<unknown, number>();
      for (const m of after.messages) {
        if (!oldest.has(m.MessageId) || oldest.get(m.MessageId)! > m.EjMessageId) {
          oldest.set(m.MessageId, m.EjMessageId);
        }
      }
      expect(updatedIds.size).toBe(oldest.size);
      for (const m of after.messages) {
        const isOldest = oldest.get(m.MessageId) === m.EjMessageId;
        expect(updatedIds.has(m.EjMessageId)).toBe(isOldest);
        expect(m.MailSorter).toBe(isOldest ? 'mail2ticket' : 'sandbox-import');
        // Fields the mail does not determine survived every PUT.
        expect(m.CreatedBy).toMatchObject({ AssociateId: 1 });
        expect(m.CustomFields).toEqual({});
      }
    } finally {
      await built.close();
      await client.close();
      await sb.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 300_000);
});
