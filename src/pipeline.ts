import type { Readable } from 'node:stream';
import { attachmentDecisions } from './attachments/decisions.js';
import { removeSpool } from './attachments/sink.js';
import { describeError, type ErrorSummary, isApiFault, isMail2TicketError } from './errors.js';
import { withPriority } from './core/priority.js';
import type { Logger } from './logger.js';
import { finishMail, type PreparedMail, prepareMail } from './map/map.js';
import { bracketedMessageId, parseMessageIdList } from './message-id.js';
import {
  type ParsedResult,
  type PrepareSteps,
  parseStream,
  prepareFailed,
  quarantined,
} from './parse-stage.js';
import type { MappedPayload } from './schema/entity.js';
import type { MailInput } from './sources/types.js';
import { type ThreadInput, threadInputOf } from './thread/thread.js';
import type { Decision, MailFile, ThreadDecision } from './types.js';

export {
  type ParsedResult,
  type ParseSteps,
  type PrepareSteps,
  parseStream,
  quarantined,
} from './parse-stage.js';

/** What became of one mail; the daemon (src/daemon/types.ts) and the live step report the same words. */
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
  error?: ErrorSummary;
}

/** What the live step reports (src/api/live.ts). */
export interface ApplyResult {
  outcome: Exclude<Outcome, 'dry-run' | 'duplicate'>;
  entityId?: number;
  ticketId?: number;
  error?: ErrorSummary;
}

export interface MappedMail {
  payload: MappedPayload;
  decision: Decision;
  /** The mail's files (spooled in live mode) for the upload; absent when attachments are skipped. */
  files?: MailFile[];
}

/** The mail-only half of the pipeline's work: plain data, so it can be done in a worker thread. */
export interface PreparedResult {
  source: string;
  prepared: PreparedMail;
  threadInput: ThreadInput;
  /** The mail's files; their spool files are removed once the mail is completed. */
  files?: MailFile[];
}

/**
 * The pipeline's I/O, handed in as functions (pg-boss style) so the pure steps stay pure and the
 * whole flow is testable with fakes. `apply` absent means a dry run.
 */
export interface PipelineContext extends PrepareSteps {
  thread(input: ThreadInput): Promise<ThreadDecision>;
  /** Has this Message-Id already been applied? (duplicate detection; threading's index) */
  isDuplicate?(messageId: string): Promise<boolean> | boolean;
  /** Record a threaded mail once it is done (dry runs record into an in-memory overlay). */
  record?(input: ThreadInput, mapped: MappedMail, result: ApplyResult | undefined): Promise<void> | void;
  apply?(mapped: MappedMail, signal?: AbortSignal): Promise<ApplyResult>;
  logger?: Logger;
  signal?: AbortSignal;
  /** Live mode: mails completed at once (api.concurrency); absent or 1: one at a time. */
  concurrency?: number;
  /** Live mode: one neutral API question, to tell an API fault from a mail's own (src/api/gate.ts). */
  probe?(signal: AbortSignal): Promise<void>;
}

/** Process one mail from a source: never throws for a bad mail, it reports `quarantined` instead. */
export async function processMail(input: MailInput, ctx: PipelineContext): Promise<MailResult> {
  const prepared = await prepareInput(input, ctx);
  return 'prepared' in prepared ? completeMail(prepared, ctx) : prepared;
}

export async function processStream(
  source: string,
  stream: Readable,
  ctx: PipelineContext,
): Promise<MailResult> {
  const prepared = await prepareStream(source, stream, ctx);
  return 'prepared' in prepared ? completeMail(prepared, ctx) : prepared;
}

export async function prepareInput(
  input: MailInput,
  steps: PrepareSteps,
): Promise<PreparedResult | MailResult> {
  let stream: Readable;
  try {
    stream = input.open();
  } catch (err) {
    return quarantined(input.source, 'E_SOURCE_READ', `cannot read ${input.source}: ${describeError(err)}`);
  }
  return prepareStream(input.source, stream, steps);
}

/** parse -> classify -> prepare. A mail that cannot become a payload comes back `quarantined`. */
export async function prepareStream(
  source: string,
  stream: Readable,
  steps: PrepareSteps,
): Promise<PreparedResult | MailResult> {
  const parsed = await parseStream(source, stream, steps);
  return 'mail' in parsed ? prepareParsed(parsed, steps) : parsed;
}

/**
 * The second half of prepareStream: the mail's payload and decision, and what threading needs. A
 * mail that fails here has its spooled files removed (they would never be uploaded).
 */
export function prepareParsed(
  { source, mail, classification, spoolDir }: ParsedResult,
  steps: PrepareSteps,
): PreparedResult | MailResult {
  try {
    classification ??= steps.classify(mail);
    const prepared = prepareMail(mail, classification, steps.mapping);
    // A mail without files keeps the decision it always had (no empty list in every record).
    if (mail.files && mail.files.length > 0) {
      const a = attachmentDecisions(mail.files);
      prepared.decision.attachments = a.decisions;
      prepared.decision.notes.push(...a.notes);
    }
    return {
      source,
      prepared,
      threadInput: threadInputOf(mail, classification, prepared.decision.messageId),
      ...(mail.files ? { files: mail.files } : {}),
    };
  } catch (err) {
    return prepareFailed(source, err, spoolDir);
  }
}

/**
 * duplicate check -> thread -> finish -> apply (live) -> record. Runs in mail order. The mail's
 * spool files are removed when it is done, whatever the outcome.
 */
export async function completeMail(p: PreparedResult, ctx: PipelineContext): Promise<MailResult> {
  try {
    return await completeSpooled(p, ctx);
  } finally {
    removeSpool(p.files);
  }
}

async function completeSpooled(p: PreparedResult, ctx: PipelineContext): Promise<MailResult> {
  const { source, prepared, threadInput } = p;
  let mapped: MappedMail;
  try {
    const messageId = prepared.decision.messageId;
    if (ctx.isDuplicate && (await ctx.isDuplicate(messageId))) {
      // Nothing is applied: the files' outcomes are those of the run that applied the mail.
      const { notes, attachments: _files, ...rest } = prepared.decision;
      const decision: Decision = {
        ...rest,
        thread: { matchedBy: 'none', candidates: [] },
        notes: [...notes, `Message-Id ${messageId} was already processed`],
      };
      return { source, outcome: 'duplicate', decision };
    }
    const thread = await ctx.thread(threadInput);
    mapped = { ...finishMail(prepared, thread), ...(p.files ? { files: p.files } : {}) };
  } catch (err) {
    if (isMail2TicketError(err)) {
      // Threading's API lookups failing on an API fault hold the mail like the live step does.
      if (err.retryable || isApiFault(err)) return { source, outcome: 'deferred', error: err.toJSON() };
      return quarantined(source, err.code, err.message);
    }
    ctx.logger?.error({ err, source }, 'unexpected error while threading');
    return quarantined(
      source,
      'E_MAP_INVALID',
      `internal error while threading ${source}: ${describeError(err)}`,
    );
  }

  if (!ctx.apply) {
    await ctx.record?.(threadInput, mapped, undefined);
    return { source, outcome: 'dry-run', payload: mapped.payload, decision: mapped.decision };
  }
  const result = await ctx.apply(mapped, ctx.signal);
  if (result.outcome !== 'deferred' && result.outcome !== 'quarantined') {
    await ctx.record?.(threadInput, mapped, result);
  }
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

/**
 * The Message-Ids a mail's threading reads or writes: its own, its In-Reply-To and References, its
 * bounce original. Two mails sharing one may depend on each other (a reply on its parent, a parent
 * on the reply filed first, a second copy on the first); mails sharing none never do. Lower-cased:
 * over-ordering two ids that differ only in case costs a little overlap, never correctness.
 */
export function orderKeys(input: ThreadInput, maxReferences: number): string[] {
  const ids = [
    bracketedMessageId(input.messageId),
    ...parseMessageIdList(input.inReplyTo, maxReferences),
    ...parseMessageIdList(input.references, maxReferences),
    bracketedMessageId(input.bounceOriginalMessageId),
  ];
  return [...new Set(ids.filter((i): i is string => Boolean(i)).map((i) => i.toLowerCase()))];
}

interface OrderSlot {
  keys: ReadonlySet<string> | undefined;
  declared: Promise<void>;
  markDeclared: () => void;
  finished: Promise<void>;
  markFinished: () => void;
}

/** A place in a MailOrder: say what the mail depends on, wait for its turn, then say it is done. */
export interface OrderTicket {
  /** The mail's place: 0 for the first reserved, then 1, 2, ... (its API requests' priority). */
  readonly seq: number;
  /** Resolves once every earlier mail sharing one of `keys` is finished. Call once. */
  ready(keys: readonly string[]): Promise<void>;
  /** Call exactly once, also when the mail failed or never became ready (idempotent). */
  finish(): void;
}

/**
 * Lets many mails be completed (threaded, applied, recorded) at once while keeping the order where
 * it matters (issue 13 §3): a mail whose threading depends on a Message-Id still in flight waits for
 * that mail; the rest overtake. Places are taken in mail order (`reserve()`, synchronously, before
 * anything is awaited); a mail becomes ready when every earlier mail has said what it depends on and
 * every earlier one it shares a key with has finished. The result is what the same mails give one at
 * a time, in that order.
 */
export class MailOrder {
  private readonly slots: OrderSlot[] = [];
  private next = 0;

  reserve(): OrderTicket {
    const seq = this.next++;
    let markDeclared!: () => void;
    let markFinished!: () => void;
    const slot: OrderSlot = {
      keys: undefined,
      declared: new Promise<void>((r) => {
        markDeclared = r;
      }),
      markDeclared: () => markDeclared(),
      finished: new Promise<void>((r) => {
        markFinished = r;
      }),
      markFinished: () => markFinished(),
    };
    const earlier = [...this.slots];
    this.slots.push(slot);
    let done = false;
    return {
      seq,
      ready: async (keys) => {
        slot.keys = new Set(keys);
        slot.markDeclared();
        for (const e of earlier) {
          await e.declared;
          if (e.keys && [...e.keys].some((k) => slot.keys!.has(k))) await e.finished;
        }
      },
      finish: () => {
        if (done) return;
        done = true;
        if (!slot.keys) slot.keys = new Set();
        slot.markDeclared();
        slot.markFinished();
        const i = this.slots.indexOf(slot);
        if (i >= 0) this.slots.splice(i, 1);
      },
    };
  }

  /** Mails holding a place (reserved and not finished). */
  get size(): number {
    return this.slots.length;
  }
}

/** completeMail in its place: waits for the mails it depends on, and always gives the place up. */
export async function completeInOrder(
  p: PreparedResult,
  ctx: PipelineContext,
  ticket: OrderTicket,
): Promise<MailResult> {
  try {
    await ticket.ready(orderKeys(p.threadInput, ctx.mapping.limits.maxReferences));
    // Its requests wait behind those of older mails only (src/core/priority.ts).
    return await withPriority(ticket.seq, () => completeMail(p, ctx));
  } finally {
    ticket.finish();
  }
}
