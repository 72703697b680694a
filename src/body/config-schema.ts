import { z } from 'zod';

/** `body` section: how HTML bodies are made safe. Owned by the body module. */
export const bodyConfigSchema = z
  .object({
    remoteImages: z.enum(['keep', 'https-only', 'block']).default('keep'),
  })
  .strict();
export type BodyConfig = z.infer<typeof bodyConfigSchema>;
