import { readFileSync } from 'node:fs';
import { Mail2TicketError } from '../errors.js';
import type { SecretRef } from './config-schema.js';

/** A secret file larger than this is a misconfiguration (a token is a few KB). */
export const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Resolve a secret reference. Errors name the variable or file and the config path, never the value.
 * `where` is the config path, e.g. "mailboxes.0.auth.password".
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
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Mail2TicketError('E_CONFIG', `${where}: cannot read secret file ${path}: ${code}`);
  }
  if (buf.length > MAX_SECRET_FILE_BYTES) {
    throw new Mail2TicketError(
      'E_CONFIG',
      `${where}: secret file ${path} is larger than ${MAX_SECRET_FILE_BYTES} bytes`,
    );
  }
  // Files written by `echo` or editors end in a newline that is not part of the secret.
  const value = buf.toString('utf8').trim();
  if (value === '') throw new Mail2TicketError('E_CONFIG', `${where}: secret file ${path} is empty`);
  return value;
}
