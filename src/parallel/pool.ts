import type { Worker } from 'node:worker_threads';
import { ownModule, startWorker } from '../core/source-worker.js';
import { PARSE_WORKER_YOUNG_GENERATION_MB, youngGenerationLimits } from '../core/v8-batch.js';
import type { MappingOptions } from '../map/map.js';
import {
  type MailResult,
  type ParsedResult,
  type PrepareSteps,
  type PreparedResult,
  quarantined,
} from '../pipeline.js';
import type { MailInput, SourceRef } from '../sources/types.js';

type Prepared = PreparedResult | ParsedResult | MailResult;

interface Job {
  source: string;
  resolve(r: Prepared): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, Job>;
}

/**
 * Worker threads for the mail-only half of the pipeline (parse, classify, bodies), which is
 * CPU-bound and independent per mail. Threading and the API stay on the main thread, in order.
 */
export class PreparePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly mapping: MappingOptions,
    private readonly attachments?: PrepareSteps['attachments'],
  ) {}

  prepare(input: MailInput & { ref: SourceRef }): Promise<PreparedResult | MailResult> {
    return this.post(input, false) as Promise<PreparedResult | MailResult>;
  }

  /** Parse and classify only (pipeline.ts parseStream); the caller prepares the parsed mail. */
  parse(input: MailInput & { ref: SourceRef }): Promise<ParsedResult | MailResult> {
    return this.post(input, true) as Promise<ParsedResult | MailResult>;
  }

  private post(input: MailInput & { ref: SourceRef }, parseOnly: boolean): Promise<Prepared> {
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise<Prepared>((resolve) => {
      slot.jobs.set(id, { source: input.source, resolve });
      slot.worker.postMessage({
        id,
        source: input.source,
        ref: input.ref,
        ...(parseOnly ? { parseOnly } : {}),
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private leastBusy(): Slot {
    if (this.slots.length < this.size) {
      const idle = this.slots.find((s) => s.jobs.size === 0);
      if (idle) return idle;
      return this.spawn();
    }
    return this.slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  private spawn(): Slot {
    const worker = startWorker(ownModule('./worker', import.meta.url), {
      workerData: { mapping: this.mapping, attachments: this.attachments },
      ...youngGenerationLimits(PARSE_WORKER_YOUNG_GENERATION_MB),
    });
    const slot: Slot = { worker, jobs: new Map() };
    worker.on('message', (msg: { id: number; result?: Prepared; error?: string }) => {
      const job = slot.jobs.get(msg.id);
      if (!job) return;
      slot.jobs.delete(msg.id);
      job.resolve(msg.result ?? quarantined(job.source, 'E_MAP_INVALID', `internal error: ${msg.error}`));
    });
    const fail = (reason: string) => {
      // A worker that dies (out of memory, a native crash) must not take the replay with it:
      // its mails in flight are quarantined with the reason, and the next mail gets a new worker.
      for (const job of slot.jobs.values()) job.resolve(quarantined(job.source, 'E_MAP_INVALID', reason));
      slot.jobs.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
    };
    worker.on('error', (err) => fail(`worker failed: ${err.message}`));
    worker.on('exit', (code) => {
      if (!this.closed) fail(`worker exited with code ${code}`);
    });
    this.slots.push(slot);
    return slot;
  }
}
