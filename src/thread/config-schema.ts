import { z } from 'zod';

/** `threading` section. Owned by the thread module. */
export const threadConfigSchema = z
  .object({
    tagWord: z.string().min(1).default('ejTag'),
  })
  .strict();
export type ThreadConfig = z.infer<typeof threadConfigSchema>;
