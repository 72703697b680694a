import { z } from 'zod';

/** `api` section. Owned by the api module. */
export const apiConfigSchema = z
  .object({
    baseUrl: z.url(),
  })
  .strict();
export type ApiConfig = z.infer<typeof apiConfigSchema>;
