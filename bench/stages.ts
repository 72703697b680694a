/**
 * Where the time goes: every pure step of the pipeline called directly over the corpus, in
 * replay order, each timed on its own, then divided by the number of mails. The baseline's three
 * library calls are timed the same way on the same mails, so the two columns explain the ratio.
 *
 * Times are CPU time of this process (process.cpuUsage: user + system, all threads, so GC helper
 * threads count), which stays meaningful on a machine other jobs are loading; wall time is
 * reported beside it.
 *
 * usage: node --import tsx bench/stages.ts DIR   (prints one JSON object on stdout)
 */
import { createReadStream } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { convert } from 'html-to-text';
import { simpleParser } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import { htmlToText } from '../src/body/html-text.js';
import { sanitizeHtmlBody } from '../src/body/sanitize.js';
import { classify } from '../src/classify/index.js';
import { mappingOptions } from '../src/commands/context.js';
import { defaultConfig } from '../src/config.js';
import { mapMail } from '../src/map/map.js';
import { messageIdOf } from '../src/message-id.js';
import { parseMail } from '../src/parse/parse.js';
import { MailFileSink } from '../src/attachments/sink.js';
import { readSources } from '../src/sources/index.js';
import type { ThreadDecision } from '../src/types.js';

export const STAGES = ['parse', 'classify', 'thread', 'sanitize', 'text', 'map', 'output'] as const;
export const BASELINE_STAGES = ['simpleParser', 'sanitize-html', 'html-to-text', 'output'] as const;
export type Stage = (typeof STAGES)[number];
export type BaselineStage = (typeof BASELINE_STAGES)[number];

export interface StageTotals {
  cpuUs: number;
  wallUs: number;
  /** Mails the step actually ran for (sanitize: mails with HTML; text: HTML-only mails). */
  calls: number;
}

export interface StagesReport {
  mails: number;
  /** 'n/a (reason)' when the threading module could not be loaded. */
  threading: string;
  ours: Record<Stage, StageTotals>;
  baseline: Record<BaselineStage, StageTotals>;
}

function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

class Timer {
  readonly totals: Record<string, StageTotals> = {};
  private cpu = 0;
  private wall = 0;
  start(): void {
    this.cpu = cpuNow();
    this.wall = performance.now();
  }
  stop(stage: string): void {
    let t = this.totals[stage];
    if (!t) {
      t = { cpuUs: 0, wallUs: 0, calls: 0 };
      this.totals[stage] = t;
    }
    t.cpuUs += cpuNow() - this.cpu;
    t.wallUs += (performance.now() - this.wall) * 1000;
    t.calls++;
  }
  /** Take `sub`'s time out of `stage` (mapMail renders the bodies again inside). */
  subtract(stage: string, cpuUs: number, wallUs: number): void {
    const t = this.totals[stage];
    if (!t) return;
    t.cpuUs = Math.max(0, t.cpuUs - cpuUs);
    t.wallUs = Math.max(0, t.wallUs - wallUs);
  }
}

type Classification = import('../src/types.js').Classification;
type ParsedMail = import('../src/types.js').ParsedMail;
type Decision = import('../src/types.js').Decision;

interface Threading {
  thread(mail: ParsedMail, c: Classification, messageId: string): Promise<ThreadDecision>;
  record(mapped: { decision: Decision }): Promise<void>;
  close(): Promise<void>;
}

/**
 * The threading module (src/thread, another engineer's) in its dry-run form, as replay wires it:
 * thread(input) in mail order, then record(input, mapped) into the in-memory overlay. Loaded
 * dynamically so the benchmark still runs (and says "n/a") while that module is absent.
 */
async function loadThreading(stateDir: string): Promise<Threading | string> {
  try {
    const steps = await import('../src/thread/steps.js');
    const { threadInputOf } = await import('../src/thread/thread.js');
    const cfgMod = await import('../src/thread/config-schema.js');
    const s = steps.createThreadingSteps({
      stateDir,
      dryRun: true,
      config: cfgMod.threadConfigSchema.parse({}),
    });
    let last: ReturnType<typeof threadInputOf> | undefined;
    return {
      thread: (mail, c, messageId) => {
        last = threadInputOf(mail, c, messageId);
        return s.thread(last);
      },
      record: (mapped) => (last ? s.record(last, mapped, undefined) : Promise.resolve()),
      close: s.close,
    };
  } catch (err) {
    return `n/a (${(err as Error).message.split('\n')[0]})`;
  }
}

export async function measureStages(dir: string): Promise<StagesReport> {
  const config = defaultConfig();
  const opts = mappingOptions(config);
  const ours = new Timer();
  const base = new Timer();
  const stateDir = mkdtempSync(join(tmpdir(), 'm2t-bench-state-'));
  const threading = await loadThreading(stateDir);
  const none: ThreadDecision = { matchedBy: 'none', candidates: [] };
  let mails = 0;
  try {
    for await (const input of readSources([dir])) {
      mails++;
      ours.start();
      // as the dry-run replay parses with the default attachments.mode (upload): every file
      // decoded and hashed by the sink (src/pipeline.ts prepareStream)
      const sink = config.attachments.mode === 'upload' ? new MailFileSink(config.attachments) : undefined;
      const mail = await parseMail(input.open(), { limits: opts.limits, ...(sink ? { sink } : {}) });
      ours.stop('parse');

      ours.start();
      const classification = classify(mail);
      ours.stop('classify');

      let thread = none;
      if (typeof threading !== 'string') {
        ours.start();
        thread = await threading.thread(mail, classification, messageIdOf(mail));
        ours.stop('thread');
      }

      let bodyCpu = 0;
      let bodyWall = 0;
      if (mail.html !== undefined) {
        const before = { ...(ours.totals.sanitize ?? { cpuUs: 0, wallUs: 0, calls: 0 }) };
        ours.start();
        sanitizeHtmlBody(mail.html, mail.inlineImages, opts);
        ours.stop('sanitize');
        bodyCpu += ours.totals.sanitize!.cpuUs - before.cpuUs;
        bodyWall += ours.totals.sanitize!.wallUs - before.wallUs;
        // renderBodies converts HTML to text only when the mail has no usable text part.
        if (mail.text === undefined || mail.text.trim() === '') {
          const beforeText = { ...(ours.totals.text ?? { cpuUs: 0, wallUs: 0, calls: 0 }) };
          ours.start();
          htmlToText(mail.html, opts.limits);
          ours.stop('text');
          bodyCpu += ours.totals.text!.cpuUs - beforeText.cpuUs;
          bodyWall += ours.totals.text!.wallUs - beforeText.wallUs;
        }
      }

      ours.start();
      const mapped = mapMail(mail, classification, thread, opts);
      ours.stop('map');
      ours.subtract('map', bodyCpu, bodyWall);

      ours.start();
      if (typeof threading !== 'string') await threading.record(mapped);
      JSON.stringify({ source: input.source, outcome: 'dry-run', ...mapped });
      ours.stop('output');

      // The baseline's calls on the same mail (see bench/baseline.mjs).
      base.start();
      const parsed = await simpleParser(createReadStream(input.source));
      base.stop('simpleParser');
      const html = typeof parsed.html === 'string' ? parsed.html : '';
      let safe = '';
      let text = parsed.text ?? '';
      if (html) {
        base.start();
        safe = sanitizeHtml(html);
        base.stop('sanitize-html');
        base.start();
        text = convert(html);
        base.stop('html-to-text');
      }
      base.start();
      JSON.stringify({ source: input.source, subject: parsed.subject, body: text, htmlBody: safe });
      base.stop('output');
    }
  } finally {
    if (typeof threading !== 'string') await threading.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const zero = (): StageTotals => ({ cpuUs: 0, wallUs: 0, calls: 0 });
  return {
    mails,
    threading: typeof threading === 'string' ? threading : 'src/thread (dry-run overlay index)',
    ours: Object.fromEntries(STAGES.map((s) => [s, ours.totals[s] ?? zero()])) as Record<Stage, StageTotals>,
    baseline: Object.fromEntries(BASELINE_STAGES.map((s) => [s, base.totals[s] ?? zero()])) as Record<
      BaselineStage,
      StageTotals
    >,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node --import tsx bench/stages.ts DIR\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(await measureStages(dir))}\n`);
}
