import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import { openMessageIndex } from '../state/open.js';
import type { PostgresConfig } from '../state/postgres/config-schema.js';
import type { MessageIndex } from '../state/store.js';
import type { Decision, ThreadDecision } from '../types.js';
import type { ThreadConfig } from './config-schema.js';
import { isDuplicate, recordThreaded } from './recorder.js';
import { createResolver, type ThreadApi } from './resolver.js';
import { type ThreadInput, threadMail } from './thread.js';

/** The pipeline's threading steps (src/pipeline.ts PipelineContext: thread, isDuplicate, record). */
export interface ThreadingSteps {
  index: MessageIndex;
  thread(input: ThreadInput): Promise<ThreadDecision>;
  isDuplicate(messageId: string): Promise<boolean>;
  /** After the API accepted the mail (live) or right after mapping (dry run: into the overlay). */
  record(
    input: ThreadInput,
    mapped: { decision: Decision },
    result: { ticketId?: number; entityId?: number } | undefined,
  ): Promise<void>;
  close(): Promise<void>;
}

export interface ThreadingStepsOptions {
  stateDir: string;
  /** `state.postgres`: the shared index instead of `${stateDir}/index.sqlite`. */
  postgres?: PostgresConfig;
  dryRun: boolean;
  config: ThreadConfig;
  limits?: Pick<Limits, 'maxReferences'>;
  /** Live mode: the API client's lookups (see ThreadApi). */
  api?: ThreadApi;
}

/**
 * Open the state and return the threading steps for the pipeline. In a dry run the index is
 * read-only under an in-memory overlay (nothing is written); live, every recorded mail and every
 * API answer is kept in `${stateDir}/index.sqlite`.
 */
export function createThreadingSteps(opts: ThreadingStepsOptions): ThreadingSteps {
  const opened = openMessageIndex({
    stateDir: opts.stateDir,
    dryRun: opts.dryRun,
    ...(opts.postgres ? { postgres: opts.postgres } : {}),
  });
  const index = opened.index;
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const resolver = createResolver({ index, ...(opts.api ? { api: opts.api } : {}) });
  return {
    index,
    thread: (input) => threadMail(input, resolver, opts.config, limits),
    isDuplicate: (messageId) => isDuplicate(index, messageId),
    async record(input, mapped, result) {
      await recordThreaded(
        index,
        input,
        mapped.decision.thread,
        {
          ...(result?.ticketId === undefined ? {} : { ticketId: result.ticketId }),
          ...(result?.entityId === undefined ? {} : { ticketMessageId: result.entityId }),
        },
        limits,
      );
    },
    close: () => opened.close(),
  };
}
