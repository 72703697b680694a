import { copyFileSync, mkdirSync, renameSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { RawMail } from './types.js';

/** Why a mail was quarantined, written next to its raw bytes as JSON. */
export interface QuarantineReason {
  mailbox: string;
  folder: string;
  uid: number;
  uidValidity: string;
  messageId?: string;
  code: string;
  message: string;
  attempts: number;
  firstSeen: string;
  quarantinedAt: string;
  /** Where the mail went on the server (quarantineFolder), or "left in place". */
  serverAction: string;
}

export function quarantineDir(stateDir: string, mailbox: string): string {
  return join(stateDir, 'quarantine', mailbox);
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write `<uidvalidity>-<uid>.eml` (the raw mail, byte for byte, for `mail2ticket replay`) and
 * `<uidvalidity>-<uid>.json` (the reason). Written to a temp name, synced, then renamed, so a
 * crash never leaves half a mail that replay would misread. Returns the .eml path.
 */
export function writeQuarantine(stateDir: string, raw: RawMail, reason: QuarantineReason): string {
  const dir = quarantineDir(stateDir, reason.mailbox);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${reason.uidValidity}-${reason.uid}`);
  const tmp = `${base}.eml.tmp`;
  if (raw.kind === 'buffer') writeFileSync(tmp, raw.data);
  else copyFileSync(raw.path, tmp);
  fsyncFile(tmp);
  renameSync(tmp, `${base}.eml`);
  writeFileSync(`${base}.json.tmp`, `${JSON.stringify(reason, null, 2)}\n`);
  fsyncFile(`${base}.json.tmp`);
  renameSync(`${base}.json.tmp`, `${base}.json`);
  return `${base}.eml`;
}
