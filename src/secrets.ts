import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Mail2TicketError } from './errors.js';

/**
 * A secret in configuration: a literal, `{ "env": "NAME" }` or `{ "file": "/run/secrets/x" }`
 * (trailing newline dropped). Resolved when a connection or client is built and again on an
 * authentication failure, so a rotated file or variable is picked up without a restart, and a
 * secret never has to sit in the config file. One definition for the API and the mailboxes.
 */
export const secretRefSchema = z.union([
  z.string().min(1, 'must not be empty'),
  z
    .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a valid environment variable name') })
    .strict(),
  z.object({ file: z.string().min(1, 'must not be empty') }).strict(),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

/** Secret files larger than this are a misconfiguration (a token is a few KB at most). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Resolve one secret reference. Errors name the variable or file and the config path, never the value.
 * `where` is the config path, e.g. "api.auth.password".
 */
export function resolveSecret(ref: SecretRef, where: string, env: NodeJS.ProcessEnv = process.env): string {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new Mail2TicketError('E_CONFIG', `${where}: environment variable ${ref.env} is not set or empty`);
    }
    return value;
  }
  return readSecretFile(ref.file, where);
}

export function readSecretFile(path: string, where: string): string {
  let text: string;
  try {
    const buf = readFileSync(path);
    if (buf.length > MAX_SECRET_FILE_BYTES) {
      throw new Mail2TicketError(
        'E_CONFIG',
        `${where}: secret file ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes`,
      );
    }
    text = buf.toString('utf8');
  } catch (err) {
    if (err instanceof Mail2TicketError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Mail2TicketError('E_CONFIG', `${where}: cannot read secret file ${path}: ${code}`);
  }
  // Files written by `echo` or editors end in a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, '').trim();
  if (value === '') throw new Mail2TicketError('E_CONFIG', `${where}: secret file ${path} is empty`);
  return value;
}
