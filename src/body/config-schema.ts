import { z } from 'zod';

/** `body` section: how Body and HtmlBody are produced. Owned by the body module; see docs/bodies.md. */
export const bodyConfigSchema = z
  .object({
    /** Remote (http/https) images, i.e. tracking pixels: keep them, keep only https ones, or block all.
     * A blocked image keeps its alt text (or "[image not shown]"). */
    remoteImages: z.enum(['keep', 'https-only', 'block']).default('keep'),
    /** Links open in a new browsing context (`_blank`, always with rel="noopener noreferrer"), or carry
     * no target at all (`none`). A mail's own target (`_top`, `_parent`, frame names) never survives. */
    linkTarget: z.enum(['_blank', 'none']).default('_blank'),
    /** <style> blocks: `filter` keeps their rules scoped to the mail and filtered to the same safe
     * properties as inline styles; `drop` removes them. */
    styleBlocks: z.enum(['filter', 'drop']).default('filter'),
    /** Quoted history and signatures (src/reply/): `keep` leaves Body and HtmlBody whole, `mark`
     * wraps them in HtmlBody in muted `m2t-quoted`/`m2t-signature` elements, `strip` keeps only the
     * new part and the signature, and only when the split is certain. */
    quotedText: z.enum(['keep', 'mark', 'strip']).default('keep'),
    /** Inline images shown through `cid:`: embedded in HtmlBody as data: URIs (within
     * limits.maxInlineImageBytes), or uploaded as attachments with InlineImage and their ContentId,
     * the `cid:` reference left in HtmlBody (needs attachments.mode `upload`). */
    inlineImages: z.enum(['data-uri', 'attachments']).default('data-uri'),
  })
  .strict();
export type BodyConfig = z.infer<typeof bodyConfigSchema>;
