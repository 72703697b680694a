import { spoolRootFor } from '../attachments/sink.js';
import { classify } from '../classify/index.js';
import type { Config } from '../config.js';
import { resolveLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { MappingOptions } from '../map/map.js';
import type { ApplyResult, MappedMail, PipelineContext } from '../pipeline.js';
import { createThreadingSteps } from '../thread/steps.js';
import type { ThreadApi } from '../thread/resolver.js';

export interface BuiltContext {
  pipeline: PipelineContext;
  close(): Promise<void>;
}

export function mappingOptions(
  config: Config,
  overrides: Partial<Pick<MappingOptions, 'slevel' | 'mailSorter'>> = {},
): MappingOptions {
  return {
    slevel: overrides.slevel ?? config.mapping.slevel,
    mailSorter: overrides.mailSorter ?? config.mapping.mailSorter,
    extraHeaders: config.mapping.extraHeaders,
    body: config.body,
    limits: resolveLimits(config.limits),
  };
}

export interface ContextOptions {
  dryRun: boolean;
  logger?: Logger;
  /** Live mode: apply a mapped mail through the API. */
  apply?: (mapped: MappedMail, signal?: AbortSignal) => Promise<ApplyResult>;
  /** Live mode: the API's lookups for threading. */
  threadApi?: ThreadApi;
}

/** Wire the pipeline's steps and I/O from configuration. */
export async function buildContext(config: Config, options: ContextOptions): Promise<BuiltContext> {
  const limits = resolveLimits(config.limits);
  const threading = createThreadingSteps({
    stateDir: config.stateDir,
    ...(config.state?.postgres ? { postgres: config.state.postgres } : {}),
    dryRun: options.dryRun,
    config: config.threading,
    limits,
    ...(options.threadApi ? { api: options.threadApi } : {}),
  });
  const pipeline: PipelineContext = {
    mapping: mappingOptions(config),
    classify,
    thread: threading.thread,
    isDuplicate: threading.isDuplicate,
    record: threading.record,
    // A dry run hashes and counts files; live, allowed files are spooled for the upload.
    attachments: {
      config: config.attachments,
      ...(options.dryRun ? {} : { spoolRoot: spoolRootFor(config.stateDir) }),
    },
    ...(options.apply && !options.dryRun ? { apply: options.apply } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  return { pipeline, close: () => threading.close() };
}
