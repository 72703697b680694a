import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toCrlf } from '../lib/mime.js';
import { ATTACHMENTS } from './attachments.js';
import { AUTOMATED } from './automated.js';
import { BOUNCE_LICENSE, BOUNCES } from './bounces.js';
import { CHARSETS } from './charsets.js';
import { CLIENTS_AND_HEADERS } from './clients-and-headers.js';
import { HTML } from './html.js';
import type { FixtureMail } from './mail.js';
import { MISSING_HEADERS } from './missing-headers.js';
import { PLAIN } from './plain.js';
import { THREADS } from './threads.js';

/** The 48 synthetic fixture mails (001-048), one source file a theme. */
export const MAILS: FixtureMail[] = [
  ...PLAIN,
  ...HTML,
  ...ATTACHMENTS,
  ...CHARSETS,
  ...MISSING_HEADERS,
  ...THREADS,
  ...CLIENTS_AND_HEADERS,
  ...AUTOMATED,
];

const CORPUS_DIR = fileURLToPath(new URL('../../fixtures/bounce-corpus/', import.meta.url));

/**
 * Whether a file in fixtures/mail is written by writeFixtureMails: the numbered mails and the corpus
 * licence. The rest there (charset-*.eml, *.expected.json, README.md) comes from elsewhere.
 */
export function isGenerated(fileName: string): boolean {
  return /^\d{3}-.+\.eml$/.test(fileName) || fileName === BOUNCE_LICENSE.to;
}

/** The file bytes of one mail, with the line ending it is meant to have. */
function mailBytes(mail: FixtureMail): Buffer {
  const text = mail.body.endsWith('\n') ? mail.body : mail.body + '\n';
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) throw new Error(`${mail.name}: char > 0xFF at ${i}; use byteString()`);
    if (text[i] === '\r') throw new Error(`${mail.name}: raw CR at ${i}; line ends are added on write`);
  }
  const bytes = Buffer.from(text, 'latin1');
  return mail.eol === '\n' ? bytes : toCrlf(bytes);
}

/** Writes the fixture mails and the copied corpus bounces into `outDir`; returns the file names. */
export function writeFixtureMails(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  const claim = (fileName: string) => {
    if (written.includes(fileName)) throw new Error(`two fixtures write ${fileName}`);
    if (!isGenerated(fileName)) throw new Error(`${fileName} is not a generated fixture name`);
    written.push(fileName);
    return join(outDir, fileName);
  };
  for (const mail of MAILS) writeFileSync(claim(`${mail.name}.eml`), mailBytes(mail));
  for (const copy of [...BOUNCES, BOUNCE_LICENSE]) copyFileSync(join(CORPUS_DIR, copy.from), claim(copy.to));
  return written.sort();
}
