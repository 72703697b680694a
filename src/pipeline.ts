import type { Readable } from 'node:stream';
import { describeError, isMail2TicketError } from './errors.js';
import type { Logger } from './logger.js';
import { type MappingOptions, mapMail } from './map/map.js';
import { messageIdOf, parseMail } from './parse/parse.js';
import type { MappedPayload } from './schema/entity.js';
import type { MailInput } from './sources/types.js';
import type { Classification, Decision, ParsedMail, ThreadDecision } from './types.js';

export type Outcome =
  | 'dry-run'
  | 'updated'
  | 'created'
  | 're-threaded'
  | 'deferred'
  | 'skipped'
  | 'duplicate'
  | 'quarantined';

export interface MailResult {
  source: string;
  outcome: Outcome;
  payload?: MappedPayload;
  decision?: Decision;
  entityId?: number;
  ticketId?: number;
  error?: { code: string; message: string; retryable?: boolean };
}

/** What the live step reports (src/api/live.ts). */
export interface ApplyResult {
  outcome: Exclude<Outcome, 'dry-run' | 'duplicate'>;
  entityId?: number;
  ticketId?: number;
  error?: { code: string; message: string; retryable?: boolean };
}

/**
 * The pipeline's I/O, handed in as functions (pg-boss style) so the pure steps stay pure and the
 * whole flow is testable with fakes. `apply` absent means a dry run.
 */
export interface PipelineContext {
  mapping: MappingOptions;
  classify(mail: ParsedMail): Classification;
  thread(mail: ParsedMail, classification: Classification, messageId: string): Promise<ThreadDecision>;
  /** Has this Message-Id already been applied? (duplicate detection; threading's index) */
  isDuplicate?(messageId: string): Promise<boolean> | boolean;
  /** Record a processed mail (feeds the thread index). Called for dry runs too (overlay). */
  record?(
    mapped: { payload: MappedPayload; decision: Decision },
    result: ApplyResult | undefined,
  ): Promise<void> | void;
  apply?(mapped: { payload: MappedPayload; decision: Decision }, signal?: AbortSignal): Promise<ApplyResult>;
  logger?: Logger;
  signal?: AbortSignal;
}

/** Process one mail from a source: never throws for a bad mail, it reports `quarantined` instead. */
export async function processMail(input: MailInput, ctx: PipelineContext): Promise<MailResult> {
  let stream: Readable;
  try {
    stream = input.open();
  } catch (err) {
    return quarantined(input.source, 'E_SOURCE_READ', `cannot read ${input.source}: ${describeError(err)}`);
  }
  return processStream(input.source, stream, ctx);
}

export async function processStream(
  source: string,
  stream: Readable,
  ctx: PipelineContext,
): Promise<MailResult> {
  let mail: ParsedMail;
  try {
    mail = await parseMail(stream, { limits: ctx.mapping.limits });
  } catch (err) {
    stream.destroy();
    if (isMail2TicketError(err)) return quarantined(source, err.code, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('E') && !code.startsWith('E_')) {
      return quarantined(source, 'E_SOURCE_READ', `cannot read ${source}: ${code}`);
    }
    return quarantined(source, 'E_MIME_MALFORMED', `cannot parse ${source}: ${describeError(err)}`);
  }
  return processParsed(source, mail, ctx);
}

export async function processParsed(
  source: string,
  mail: ParsedMail,
  ctx: PipelineContext,
): Promise<MailResult> {
  let mapped: { payload: MappedPayload; decision: Decision };
  try {
    const classification = ctx.classify(mail);
    // The Message-Id threading and duplicate detection key on (derived when absent).
    const messageId = messageIdOf(mail);
    if (ctx.isDuplicate && (await ctx.isDuplicate(messageId))) {
      return {
        source,
        outcome: 'duplicate',
        decision: {
          messageId,
          createdAtSource: 'none',
          classification,
          thread: { matchedBy: 'none', candidates: [] },
          notes: [`Message-Id ${messageId} was already processed`],
        },
      };
    }
    const thread = await ctx.thread(mail, classification, messageId);
    mapped = mapMail(mail, classification, thread, ctx.mapping);
  } catch (err) {
    if (isMail2TicketError(err)) {
      if (err.retryable) return { source, outcome: 'deferred', error: err.toJSON() };
      return quarantined(source, err.code, err.message);
    }
    ctx.logger?.error({ err, source }, 'unexpected error while mapping');
    return quarantined(source, 'E_MAP_INVALID', `internal error while mapping: ${describeError(err)}`);
  }

  if (!ctx.apply) {
    await ctx.record?.(mapped, undefined);
    return { source, outcome: 'dry-run', payload: mapped.payload, decision: mapped.decision };
  }
  const result = await ctx.apply(mapped, ctx.signal);
  if (result.outcome !== 'deferred' && result.outcome !== 'quarantined') await ctx.record?.(mapped, result);
  return {
    source,
    outcome: result.outcome,
    payload: mapped.payload,
    decision: mapped.decision,
    ...(result.entityId === undefined ? {} : { entityId: result.entityId }),
    ...(result.ticketId === undefined ? {} : { ticketId: result.ticketId }),
    ...(result.error ? { error: result.error } : {}),
  };
}

function quarantined(source: string, code: string, message: string): MailResult {
  return { source, outcome: 'quarantined', error: { code, message } };
}
