import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { GcPacer } from '../core/gc-hint.js';
import type { MailFile } from '../types.js';
import type { AttachmentsConfig } from './config-schema.js';
import { type AttachmentPolicy, AttachmentPolicy as Policy } from './policy.js';

/**
 * The parser's attachment sink: where the decoded bytes of each file go while the mail streams
 * through mailparser. Injected into parseMail so that parsing stays free of I/O choices:
 *  - dry run (`spoolDir` undefined): every byte is hashed (sha256) and counted, nothing is kept;
 *  - live: an allowed file is also written to `spoolDir/<random>` for the upload to stream from,
 *    so no file is ever held whole in memory. A file the policy refuses (blocked extension, over
 *    maxBytes or past the mail's maxMailBytes) is only hashed and counted; its spool file, when
 *    the size became too large midway, is removed at once.
 */
export interface PartMeta {
  name: string;
  contentType: string;
  contentId?: string;
}

export interface FileWriter {
  write(chunk: Buffer): Promise<void> | void;
  /** The file, with its final name (a uuencoded part may name itself in its `begin` line). */
  close(finalName?: string): Promise<MailFile>;
  /** Stop without a result (the parse failed): removes the spool file. */
  abort(): void;
}

export interface AttachmentSink {
  open(meta: PartMeta): FileWriter;
  /** Remove every spool file this sink wrote (after the mail is done, or when it failed). */
  cleanup(): void;
}

/** Sub-directory of stateDir holding the spool files of mails in flight (cleaned at start). */
export const SPOOL_DIR = 'spool';

export class MailFileSink implements AttachmentSink {
  private readonly policy: AttachmentPolicy;
  private readonly dir: string | undefined;
  private created = false;

  /** `spoolRoot` (stateDir/spool) set: live, each mail's files in its own random sub-directory. */
  constructor(cfg: AttachmentsConfig, spoolRoot?: string) {
    this.policy = new Policy(cfg);
    this.dir = spoolRoot === undefined ? undefined : join(spoolRoot, randomBytes(12).toString('hex'));
  }

  /** The directory this mail's files are spooled in (removed whole by cleanup). */
  get spoolDir(): string | undefined {
    return this.dir;
  }

  open(meta: PartMeta): FileWriter {
    const hash = createHash('sha256');
    const pacer = new GcPacer();
    let size = 0;
    let out: WriteStream | undefined;
    let path: string | undefined;
    const blocked = this.policy.blockedName(meta.name);
    if (this.dir !== undefined && !blocked) {
      if (!this.created) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        this.created = true;
      }
      path = join(this.dir, randomBytes(8).toString('hex'));
      out = createWriteStream(path, { mode: 0o600 });
    }
    const drop = () => {
      out?.destroy();
      out = undefined;
      if (path) rmSync(path, { force: true });
      path = undefined;
    };
    return {
      write: (chunk) => {
        size += chunk.length;
        hash.update(chunk);
        pacer.add(chunk.length); // frees the dead read and decoded chunks of a large file early
        if (!out) return;
        if (!this.policy.mayStillFit(size)) {
          drop(); // too large already: keep hashing and counting, stop writing
          return;
        }
        if (!out.write(chunk)) return new Promise<void>((resolve) => out!.once('drain', resolve));
      },
      close: async (finalName) => {
        const name = finalName ?? meta.name;
        if (out) {
          const o = out;
          await new Promise<void>((resolve, reject) => {
            o.once('error', reject);
            o.end(() => resolve());
          });
        }
        const file: MailFile = { name, contentType: meta.contentType, size, sha256: hash.digest('hex') };
        if (meta.contentId) file.contentId = meta.contentId;
        const verdict = this.policy.judge(name, size);
        if (verdict !== 'ok') {
          file.refused = verdict;
          drop();
        } else if (path) file.spoolPath = path;
        return file;
      },
      abort: drop,
    };
  }

  cleanup(): void {
    if (this.dir && this.created) removeSpoolDir(this.dir);
  }
}

/**
 * Remove a spool directory and everything in it: one mail's (its sink's cleanup, or from another
 * thread) or a gone process's.
 */
export function removeSpoolDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Remove one mail's spool directory (the directory of a file's spoolPath); never throws. */
export function removeSpool(files: readonly MailFile[] | undefined): void {
  const dirs = new Set<string>();
  for (const f of files ?? []) if (f.spoolPath) dirs.add(join(f.spoolPath, '..'));
  for (const d of dirs) removeSpoolDir(d);
}

/**
 * This process's spool root: `stateDir/spool/<pid>`. Per process, because a replay may run beside
 * the daemon on the same stateDir, and neither may clean the other's files.
 */
export function spoolRootFor(stateDir: string): string {
  return join(stateDir, SPOOL_DIR, String(process.pid));
}

/**
 * Remove spool files left by processes that are gone (killed mid-mail: their mails are fetched
 * again and spooled anew). Call once at start, before any mail is parsed. Returns how many
 * directories were removed.
 */
export function cleanStaleSpool(stateDir: string): number {
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(join(stateDir, SPOOL_DIR));
  } catch {
    return 0; // no spool yet
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) continue;
    if (pid === process.pid) continue;
    removeSpoolDir(join(stateDir, SPOOL_DIR, entry));
    removed++;
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
