import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildLiveContext } from '../../src/commands/live-context.js';
import { replay } from '../../src/commands/replay.js';
import { type Config, parseConfig } from '../../src/config.js';
import type { MailResult } from '../../src/pipeline.js';
import { seedMail } from './attachment-mail.js';
import { type Sandbox, startSandbox } from './sandbox.js';

/** Output nobody reads. */
export const quiet = (): Writable =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

/** One live replay of `paths` in-process (jobs 1), its output dropped: each mail's result. */
export async function replayLive(config: Config, paths: string[]): Promise<MailResult[]> {
  const ctx = await buildLiveContext(config);
  const results: MailResult[] = [];
  try {
    await replay(
      paths,
      ctx.pipeline,
      undefined,
      { stdout: quiet(), stderr: quiet() },
      {
        jobs: 1,
        onResult: (r) => results.push(r),
      },
    );
  } finally {
    await ctx.close();
  }
  return results;
}

/** A live config against the sandbox at `apiUrl`, with retries short enough for fault tests. */
export function sandboxConfig(apiUrl: string, stateDir: string): Config {
  return parseConfig({
    stateDir,
    api: {
      baseUrl: apiUrl,
      auth: { scheme: 'basic', user: 'sandbox', password: 'sandbox' },
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 30_000 },
    },
  });
}

export interface SeededSandbox {
  /** A temporary folder: seed/ holds the seeded mail, mail/ is for the mails to replay. */
  dir: string;
  sb: Sandbox;
}

/** A sandbox that already holds a message with `messageId` (the one a replayed mail updates). */
export async function startSeededSandbox(messageId: string): Promise<SeededSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'm2t-live-'));
  mkdirSync(join(dir, 'seed'));
  mkdirSync(join(dir, 'mail'));
  writeFileSync(join(dir, 'seed', 'seed.eml'), seedMail(messageId));
  return { dir, sb: await startSandbox({ seed: [join(dir, 'seed')] }) };
}

export async function stopSeededSandbox(s: SeededSandbox): Promise<void> {
  await s.sb.close();
  rmSync(s.dir, { recursive: true, force: true });
}
