import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import type { Classification, MailKind, MatchedBy, ParsedMail, ThreadDecision } from '../types.js';
import type { ThreadConfig } from './config-schema.js';
import { bracketedMessageId, parseMessageIdList } from '../message-id.js';
import type { KnownMessage, LookupBudget, ThreadResolver } from './resolver.js';
import { compileTagPatterns, extractSubjectTags, isForwardSubject } from './subject-tag.js';

/**
 * Which ticket a mail belongs to and which earlier message it answers (the rule order is pure
 * logic; every lookup goes through the resolver).
 *
 * Rules, in order (tag first when `tagFirst`, mirroring SuperOffice's setting):
 *  1. In-Reply-To, then References newest first: the first id naming a known message is the
 *     parent, its ticket the ticket. Newest first because the nearest ancestor is the most
 *     specific; the References root is still found when the middle of a chain is missing.
 *  2. Subject tag (`ejTag: 123`, extra patterns): counts only for a ticket that exists (merged
 *     tickets resolve to the survivor), optionally only when the sender took part in it.
 *  3. Bounce original: a bounce/delivery report joins the ticket of the mail that bounced.
 *  4. Otherwise a new thread.
 *
 * Provisional threads (no ticket id yet: dry run, offline replay). A new thread is keyed by the
 * oldest id its References name (RFC 5322 §3.6.4: References starts with the root, and MUAs
 * that shorten it keep the first id), else its In-Reply-To, else its own Message-Id. That key is
 * the same for every mail of a conversation whatever order they arrive in, as long as each reply
 * carries the root, which is what real replies do. The recorder files the ids a mail names under
 * its root, so a parent that arrives *after* its replies finds its own Message-Id already filed
 * and joins that thread (rule 4 below: "named by an earlier mail"). A reply whose only link is
 * In-Reply-To to a not-yet-seen parent forms a provisional thread keyed by that parent; when
 * the parent arrives, the recorder joins the two roots (an alias), so every later mail lands on
 * one thread; the decision already emitted for that early reply keeps its own key.
 */

export interface ThreadInput {
  /** The mail's Message-Id (as written or derived; canonicalised here). */
  messageId: string;
  inReplyTo?: string;
  references?: string;
  subject: string;
  /** Sender address. */
  from?: string;
  kind: MailKind;
  /** classification.bounce?.originalMessageId */
  bounceOriginalMessageId?: string;
}

/** Rejection reason (stable text) when a forward's headers were refused; the recorder checks it. */
export const FORWARD_REFUSED = 'forwarded by a sender who is not a participant of that thread';

type Found = Omit<ThreadDecision, 'candidates' | 'rejected'>;

interface Ctx {
  input: ThreadInput;
  own: string;
  from: string | undefined;
  resolver: ThreadResolver;
  budget: LookupBudget;
  candidates: string[];
  rejected: { candidate: string; reason: string }[];
  /** Set when the header ids were refused as a forwarded conversation: they must not seed the new thread. */
  headersRefused: boolean;
}

const patternCache = new WeakMap<ThreadConfig, RegExp[]>();
function patternsFor(cfg: ThreadConfig): RegExp[] {
  let p = patternCache.get(cfg);
  if (!p) {
    p = compileTagPatterns(cfg);
    patternCache.set(cfg, p);
  }
  return p;
}

/** Ticket (merge-resolved) for a known message; undefined ticket when only provisional. */
async function placeOf(
  ctx: Ctx,
  hit: KnownMessage,
): Promise<{ ticketId?: number; participants?: string[] } | null> {
  if (hit.ticketId === undefined) {
    const participants = await ctx.resolver.threadParticipants(hit.threadRoot);
    return participants ? { participants } : {};
  }
  const t = await ctx.resolver.resolveTicket(hit.ticketId, ctx.budget);
  return t ?? null;
}

function isStranger(ctx: Ctx, participants: string[] | undefined): boolean {
  // Unknown participants cannot prove a stranger: the header match stands.
  return participants !== undefined && (ctx.from === undefined || !participants.includes(ctx.from));
}

async function byHeaders(
  ctx: Ctx,
  inReplyTo: string[],
  references: string[],
  cfg: ThreadConfig,
): Promise<Found | undefined> {
  const order: { id: string; rule: MatchedBy }[] = [];
  const tried = new Set<string>([ctx.own]);
  const add = (ids: string[], rule: MatchedBy) => {
    for (const id of [...ids].reverse()) {
      if (tried.has(id)) continue;
      tried.add(id);
      order.push({ id, rule });
    }
  };
  add(inReplyTo, 'in-reply-to');
  add(references, 'references');
  const forward = cfg.forwardRequiresParticipant && isForwardSubject(ctx.input.subject);

  for (const { id, rule } of order) {
    ctx.candidates.push(id);
    const hit = await ctx.resolver.findMessage(id, ctx.budget);
    if (!hit) continue;
    const place = await placeOf(ctx, hit);
    if (place === null) {
      ctx.rejected.push({ candidate: id, reason: `its ticket ${hit.ticketId} no longer exists` });
      continue;
    }
    if (forward && isStranger(ctx, place.participants)) {
      // A forward carries the headers of the conversation it forwards; from someone who never
      // took part, it is a new conversation, not a reply (a stranger's mail on another's ticket).
      ctx.rejected.push({ candidate: id, reason: FORWARD_REFUSED });
      ctx.headersRefused = true;
      return undefined;
    }
    return {
      matchedBy: rule,
      parentMessageId: id,
      threadRoot: hit.threadRoot,
      ...(place.ticketId === undefined ? {} : { ticketId: place.ticketId }),
    };
  }
  return undefined;
}

async function byTag(ctx: Ctx, cfg: ThreadConfig): Promise<Found | undefined> {
  for (const tag of extractSubjectTags(ctx.input.subject, patternsFor(cfg))) {
    ctx.candidates.push(tag.text);
    const t = await ctx.resolver.resolveTicket(tag.ticketId, ctx.budget);
    if (!t) {
      ctx.rejected.push({
        candidate: tag.text,
        reason: `ticket ${tag.ticketId} does not exist (or is not known)`,
      });
      continue;
    }
    if (cfg.requireParticipant && (t.participants === undefined || isStranger(ctx, t.participants))) {
      ctx.rejected.push({ candidate: tag.text, reason: `sender has not taken part in ticket ${t.ticketId}` });
      continue;
    }
    return { matchedBy: 'subject-tag', ticketId: t.ticketId };
  }
  return undefined;
}

async function byBounceOriginal(ctx: Ctx): Promise<Found | undefined> {
  const original = bracketedMessageId(ctx.input.bounceOriginalMessageId);
  if (!original || original === ctx.own) return undefined;
  ctx.candidates.push(original);
  const hit = await ctx.resolver.findMessage(original, ctx.budget);
  if (!hit) return undefined;
  const place = await placeOf(ctx, hit);
  if (place === null) {
    ctx.rejected.push({ candidate: original, reason: `its ticket ${hit.ticketId} no longer exists` });
    return undefined;
  }
  return {
    matchedBy: 'bounce-original',
    parentMessageId: original,
    threadRoot: hit.threadRoot,
    ...(place.ticketId === undefined ? {} : { ticketId: place.ticketId }),
  };
}

/** Rule 4: a new thread, unless an earlier mail already named this one (its replies came first). */
async function newThread(ctx: Ctx, inReplyTo: string[], references: string[]): Promise<Found> {
  const self = await ctx.resolver.findMessage(ctx.own, { remaining: 0 });
  // Only a `referenced` entry is evidence: an `api` entry for the mail's own id is merely where
  // SuperOffice's import put it, which is what threading is here to check.
  if (self?.source === 'referenced') {
    const place = await placeOf(ctx, self);
    if (place !== null) {
      return {
        matchedBy: 'none',
        threadRoot: self.threadRoot,
        ...(place.ticketId === undefined ? {} : { ticketId: place.ticketId }),
      };
    }
  }
  const bounceOriginal = bracketedMessageId(ctx.input.bounceOriginalMessageId);
  const root = ctx.headersRefused
    ? ctx.own
    : (references[0] ?? inReplyTo[0] ?? (bounceOriginal !== ctx.own ? bounceOriginal : undefined) ?? ctx.own);
  return { matchedBy: 'none', threadRoot: root };
}

/**
 * The ids a recorded mail names, to be filed under its thread (see recordThreaded). None when
 * its headers were refused as a forwarded conversation: filing them would join the stranger's
 * new thread to the conversation it forwarded.
 */
export function relatedIds(
  input: ThreadInput,
  decision: ThreadDecision,
  limits: Pick<Limits, 'maxReferences'> = DEFAULT_LIMITS,
): string[] {
  if (decision.rejected?.some((r) => r.reason === FORWARD_REFUSED)) return [];
  const ids = [
    ...parseMessageIdList(input.references, limits.maxReferences),
    ...parseMessageIdList(input.inReplyTo, limits.maxReferences),
  ];
  const bounce = bracketedMessageId(input.bounceOriginalMessageId);
  if (bounce) ids.push(bounce);
  return [...new Set(ids)];
}

export async function threadMail(
  input: ThreadInput,
  resolver: ThreadResolver,
  cfg: ThreadConfig,
  limits: Pick<Limits, 'maxReferences'> = DEFAULT_LIMITS,
): Promise<ThreadDecision> {
  const own = bracketedMessageId(input.messageId) ?? '<>';
  const ctx: Ctx = {
    input,
    own,
    from: input.from?.trim().toLowerCase() || undefined,
    resolver,
    budget: { remaining: cfg.maxApiLookups },
    candidates: [],
    rejected: [],
    headersRefused: false,
  };
  const inReplyTo = parseMessageIdList(input.inReplyTo, limits.maxReferences);
  const references = parseMessageIdList(input.references, limits.maxReferences);

  const rules: (() => Promise<Found | undefined>)[] = [
    () => byHeaders(ctx, inReplyTo, references, cfg),
    () => byTag(ctx, cfg),
    () => byBounceOriginal(ctx),
  ];
  if (cfg.tagFirst) rules.unshift(rules.splice(1, 1)[0]!);

  let found: Found | undefined;
  for (const rule of rules) {
    found = await rule();
    if (found) break;
  }
  found ??= await newThread(ctx, inReplyTo, references);
  return {
    ...found,
    candidates: ctx.candidates,
    ...(ctx.rejected.length > 0 ? { rejected: ctx.rejected } : {}),
  };
}

/** The mail fields threading reads (plain data: built where the mail is parsed, maybe a worker). */
export function threadInputOf(
  mail: ParsedMail,
  classification: Classification,
  messageId: string,
): ThreadInput {
  return {
    messageId,
    subject: mail.subject,
    kind: classification.kind,
    ...(mail.inReplyTo === undefined ? {} : { inReplyTo: mail.inReplyTo }),
    ...(mail.references === undefined ? {} : { references: mail.references }),
    ...(mail.from?.address ? { from: mail.from.address } : {}),
    ...(classification.bounce?.originalMessageId
      ? { bounceOriginalMessageId: classification.bounce.originalMessageId }
      : {}),
  };
}
