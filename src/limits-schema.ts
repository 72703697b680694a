import { z } from 'zod';

/**
 * The `limits` section of the config: each override of DEFAULT_LIMITS (src/limits.ts) is a positive
 * integer within a sane range. Kept apart from the limits themselves so the code that only reads
 * them (the parser, in every prepare worker) does not load zod (issue 15, eighth session).
 */
const positiveInt = (max: number) => z.number().int().min(1).max(max);

export const limitsSchema = z
  .object({
    maxMailBytes: positiveInt(2 * 1024 * 1024 * 1024),
    maxHeaderBytes: positiveInt(64 * 1024 * 1024),
    maxMimeDepth: positiveInt(1000),
    maxMimeParts: positiveInt(100_000),
    maxHeaderFields: positiveInt(1_000_000),
    maxBodyChars: positiveInt(512 * 1024 * 1024),
    maxHtmlChars: positiveInt(512 * 1024 * 1024),
    maxInlineImageBytes: z
      .number()
      .int()
      .min(0)
      .max(512 * 1024 * 1024),
    maxReportPartBytes: positiveInt(64 * 1024 * 1024),
    parseTimeoutMs: positiveInt(3_600_000),
    maxReferences: positiveInt(10_000),
  })
  .partial()
  .strict();
