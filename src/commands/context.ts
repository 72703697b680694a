import type { Config } from '../config.js';
import { resolveLimits } from '../limits.js';
import type { Logger } from '../logger.js';
import type { MappingOptions } from '../map/map.js';
import type { PipelineContext } from '../pipeline.js';
import { classify } from '../classify/index.js';
import type { ThreadDecision } from '../types.js';

export interface BuiltContext {
  pipeline: PipelineContext;
  close(): Promise<void>;
}

export function mappingOptions(config: Config): MappingOptions {
  return {
    slevel: config.mapping.slevel,
    mailSorter: config.mapping.mailSorter,
    extraHeaders: config.mapping.extraHeaders,
    body: config.body,
    limits: resolveLimits(config.limits),
  };
}

/** Wire the pipeline's steps and I/O from configuration. */
export async function buildContext(
  config: Config,
  options: { dryRun: boolean; logger?: Logger },
): Promise<BuiltContext> {
  const thread = async (): Promise<ThreadDecision> => ({ matchedBy: 'none', candidates: [] });
  const pipeline: PipelineContext = {
    mapping: mappingOptions(config),
    classify,
    thread,
    ...(options.logger ? { logger: options.logger } : {}),
  };
  return { pipeline, close: async () => {} };
}
