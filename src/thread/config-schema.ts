import { z } from 'zod';

/** Number of capture groups in a regular expression source (compiles it; throws when invalid). */
export function captureGroupCount(source: string): number {
  // An alternation with the empty pattern always matches '', and the match array has one slot per group.
  return new RegExp(`(?:${source})|`).exec('')!.length - 1;
}

const tagPattern = z.string().superRefine((source, ctx) => {
  let groups: number;
  try {
    groups = captureGroupCount(source);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    return;
  }
  if (groups !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `must have exactly one capture group (the ticket number), has ${groups}`,
    });
  }
});

/**
 * `threading` section. Owned by the thread module.
 *
 * SuperOffice's own mail import matches In-Reply-To first and the subject tag second, with a
 * setting to check the tag first (see fixtures/spec/superoffice-api.md); `tagFirst` mirrors it.
 */
export const threadConfigSchema = z
  .object({
    /** The tag word in subjects: `ejTag: 123` by default (a SuperOffice setting, so configurable). */
    tagWord: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[^\s:]+$/, 'a single word without white space or colon')
      .default('ejTag'),
    /**
     * Extra subject patterns, e.g. `\\[#(\\d+)\\]` for `[#123]`: JavaScript regular expressions,
     * matched case-insensitively, each with exactly one capture group holding the ticket number.
     */
    tagPatterns: z.array(tagPattern).max(32).default([]),
    /** Count a tag only when the sender already took part in that ticket. */
    requireParticipant: z.boolean().default(false),
    /** Try the subject tag before In-Reply-To/References (SuperOffice's "tag first" setting). */
    tagFirst: z.boolean().default(false),
    /**
     * A forwarded mail (subject `Fwd:`, `WG:`, ...) carries the In-Reply-To/References of the mail
     * it forwards, i.e. of someone else's conversation. When true, such a header match counts only
     * if the sender took part in that ticket (or its participants are unknown).
     */
    forwardRequiresParticipant: z.boolean().default(true),
    /**
     * Most API lookups (messageId filter, ticket resolution) one mail may cost; a mail with 100
     * References must not turn into 100 HTTP requests. The index is always consulted for all ids.
     */
    maxApiLookups: z.number().int().min(0).max(1000).default(8),
  })
  .strict();
export type ThreadConfig = z.infer<typeof threadConfigSchema>;
