import { z } from 'zod';
import {
  DEFAULT_ATTACHMENT_MAX_BYTES,
  DEFAULT_ATTACHMENT_MAX_MAIL_BYTES,
  DEFAULT_BLOCK_EXTENSIONS,
  MAX_ATTACHMENT_LIMIT_BYTES,
} from './policy.js';

/*
 * The `attachments` section of the config, apart from the policy that applies it (./policy.ts) so
 * the attachments sink, loaded in every prepare worker, does not load zod (issue 15, eighth session).
 */

const bytes = z.number().int().min(1).max(MAX_ATTACHMENT_LIMIT_BYTES);

/** `attachments` section: what becomes of a mail's files (README, "Attachments"). */
export const attachmentsConfigSchema = z
  .object({
    /** `upload` connects every allowed file to the ticket message; `skip` ignores files (counted only). */
    mode: z.enum(['upload', 'skip']).default('upload'),
    /** Largest file uploaded, in bytes; a larger one is noted `too-large`, not uploaded. */
    maxBytes: bytes.default(DEFAULT_ATTACHMENT_MAX_BYTES),
    /** Largest total uploaded per mail, in bytes; files past it (in mail order) are `too-large`. */
    maxMailBytes: bytes.default(DEFAULT_ATTACHMENT_MAX_MAIL_BYTES),
    /** Extensions (without the dot, any case) never uploaded; noted `blocked`. */
    blockExtensions: z
      .array(z.string().regex(/^\.?[A-Za-z0-9_+-]{1,16}$/, 'an extension such as "exe"'))
      .default([...DEFAULT_BLOCK_EXTENSIONS])
      .transform((list) => [...new Set(list.map((e) => e.replace(/^\./, '').toLowerCase()))]),
  })
  .strict()
  .refine((c) => c.maxBytes <= c.maxMailBytes, {
    message: 'maxBytes must not be larger than maxMailBytes',
    path: ['maxBytes'],
  });

export type AttachmentsConfig = z.infer<typeof attachmentsConfigSchema>;

export const DEFAULT_ATTACHMENTS_CONFIG: AttachmentsConfig = attachmentsConfigSchema.parse({});
