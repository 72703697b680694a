import { z } from 'zod';

/** `mailboxes` and `daemon` sections. Owned by the daemon module. */
export const mailboxConfigSchema = z.object({ name: z.string().min(1) }).strict();
export const daemonConfigSchema = z.object({}).strict();
export type MailboxConfig = z.infer<typeof mailboxConfigSchema>;
export type DaemonConfig = z.infer<typeof daemonConfigSchema>;
