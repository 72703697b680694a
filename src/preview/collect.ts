import type { Config } from '../config.js';
import { buildContext } from '../commands/context.js';
import type { ErrorSummary } from '../errors.js';
import { replayResults } from '../library/replay.js';
import type { MailResult, Outcome, PipelineContext } from '../pipeline.js';
import { messageIdOf } from '../message-id.js';
import type { MappedPayload } from '../schema/entity.js';
import type { Decision, ParsedMail } from '../types.js';

/** What would happen to one attachment or inline image (the pipeline sends text and HTML only). */
export interface AttachmentFate {
  filename: string;
  contentType: string;
  size: number;
  fate: string;
}

/** One mail as the preview shows it: the replay result plus what the parser saw of its parts. */
export interface PreviewRecord {
  source: string;
  outcome: Outcome;
  payload?: MappedPayload;
  decision?: Decision;
  error?: ErrorSummary;
  attachments: AttachmentFate[];
}

/**
 * The mail-only facts the NDJSON line does not carry: attachments and inline images. The pipeline
 * hands every parsed mail to `classify`; wrapping it is the least intrusive place to look.
 */
function partsOf(mail: ParsedMail): AttachmentFate[] {
  const out: AttachmentFate[] = [];
  // attachments.mode upload: the files the sink saw, with what the policy says of each
  for (const f of mail.files ?? []) {
    out.push({
      filename: f.name,
      contentType: f.contentType,
      size: f.size,
      fate: f.refused
        ? `not uploaded: ${f.refused.note}`
        : `uploaded to the ticket message as an attachment${f.contentId ? ' (inline image, cid: kept in HtmlBody)' : ''}`,
    });
  }
  if (!mail.files) {
    for (const a of mail.attachments) {
      out.push({
        filename: a.filename ?? '(no name)',
        contentType: a.contentType,
        size: a.size,
        fate: 'not sent: attachments.mode is skip',
      });
    }
  }
  const uploadedInline = new Set((mail.files ?? []).map((f) => f.contentId).filter(Boolean));
  for (const img of mail.inlineImages) {
    if (uploadedInline.has(img.contentId)) continue;
    out.push({
      filename: img.filename ?? `cid:${img.contentId}`,
      contentType: img.contentType,
      size: img.size,
      fate:
        img.base64 !== undefined
          ? 'inline image: embedded in HtmlBody as a data: URI where the HTML shows it'
          : 'inline image over limits.maxInlineImageBytes: its alt text is shown instead',
    });
  }
  return out;
}

/**
 * Wrap a pipeline context so that the parts of every mail it parses are remembered, keyed by the
 * mail's Message-Id (the one the decision records), for any way of iterating: sequential, the
 * replay window, or worker-free library calls alike.
 */
export function withPartsCapture(ctx: PipelineContext): {
  ctx: PipelineContext;
  partsFor(result: MailResult): AttachmentFate[];
} {
  const parts = new Map<string, AttachmentFate[]>();
  return {
    ctx: {
      ...ctx,
      classify: (mail) => {
        const found = partsOf(mail);
        if (found.length) parts.set(messageIdOf(mail), found);
        return ctx.classify(mail);
      },
    },
    partsFor: (result) => {
      const id = result.decision?.messageId;
      if (id === undefined) return [];
      const found = parts.get(id) ?? [];
      parts.delete(id);
      return found;
    },
  };
}

/** Every mail under `paths` through `ctx` (the library's replay loop), in source order, as records. */
export async function collectRecords(
  paths: string[],
  pipeline: PipelineContext,
  onRecord?: (r: PreviewRecord) => void,
  keep = true,
): Promise<PreviewRecord[]> {
  const capture = withPartsCapture(pipeline);
  const records: PreviewRecord[] = [];
  for await (const result of replayResults(paths, capture.ctx, { jobs: 1 })) {
    const record = toRecord(result, capture.partsFor(result));
    if (keep) records.push(record);
    onRecord?.(record);
  }
  return records;
}

/**
 * Run every mail under `paths` through the dry-run pipeline (the same steps as
 * `replay --dry-run`; the state is opened read-only and nothing is written).
 */
export async function collectPreview(
  paths: string[],
  config: Config,
  onRecord?: (r: PreviewRecord) => void,
  /** false: only `onRecord` sees the records (a big preview holds them packed instead). */
  keep = true,
): Promise<PreviewRecord[]> {
  const built = await buildContext(config, { dryRun: true });
  try {
    return await collectRecords(paths, built.pipeline, onRecord, keep);
  } finally {
    await built.close();
  }
}

export function toRecord(result: MailResult, attachments: AttachmentFate[] = []): PreviewRecord {
  return {
    source: result.source,
    outcome: result.outcome,
    ...(result.payload ? { payload: result.payload } : {}),
    ...(result.decision ? { decision: result.decision } : {}),
    ...(result.error ? { error: result.error } : {}),
    attachments,
  };
}
