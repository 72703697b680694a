import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ImapFlow } from 'imapflow';
import type { FolderInfo, MailRef, MailSource, RawMail, WaitResult } from '../daemon/types.js';
import { Mail2TicketError, describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ImapEndpoint } from './config-schema.js';
import { type ImapCredentials, connectImap } from './connection.js';

/** UIDs fetched per FETCH/SEARCH round trip when listing a large folder. */
export const LIST_BATCH = 1000;

/** What the source needs of a mailbox entry (the daemon's `MailboxConfig` is one). */
export interface ImapSourceMailbox extends ImapEndpoint {
  folder: string;
  processedFolder?: string | undefined;
  quarantineFolder?: string | undefined;
  /** Advertised IDLE is ignored and the folder polled instead. */
  disableIdle: boolean;
}

export interface ImapSourceOptions {
  mailbox: ImapSourceMailbox;
  /** Config path of the mailbox, e.g. "mailboxes.0", for error messages. */
  where: string;
  credentials: ImapCredentials;
  logger: Logger;
  socketTimeoutMs: number;
  /** Mails larger than this are streamed to a file in spoolDir instead of memory. */
  spoolThresholdBytes: number;
  spoolDir: string;
  /** Called on every EXISTS push (metrics: IDLE wake-ups are counted by the loop). */
  onExists?: () => void;
}

function imapError(where: string, what: string, err: unknown): Mail2TicketError {
  if (err instanceof Mail2TicketError) return err;
  const e = err as { message?: string; code?: string; responseText?: string };
  const detail = e.responseText ?? e.message ?? String(err);
  return new Mail2TicketError(
    'E_IMAP',
    `${where}: ${what} failed: ${detail}${e.code ? ` (${e.code})` : ''}`,
    {
      retryable: true,
      cause: err,
    },
  );
}

/**
 * The IMAP side of one mailbox (imapflow): one connection, one selected folder, commands issued
 * strictly one after another by the loop, so IDLE never interleaves with a FETCH.
 */
export class ImapMailSource implements MailSource {
  private client: ImapFlow | undefined;
  private changed = false;
  private canIdle = false;
  private spoolSeq = 0;

  constructor(private readonly opts: ImapSourceOptions) {}

  get connected(): boolean {
    return Boolean(this.client?.usable);
  }

  private get c(): ImapFlow {
    if (!this.client?.usable)
      throw new Mail2TicketError('E_IMAP', `${this.opts.where}: not connected`, { retryable: true });
    return this.client;
  }

  async open(_signal: AbortSignal): Promise<FolderInfo> {
    await this.close();
    const mb = this.opts.mailbox;
    const client = await connectImap(mb, this.opts.where, this.opts.credentials, {
      logger: this.opts.logger,
      socketTimeoutMs: this.opts.socketTimeoutMs,
    });
    this.client = client;
    client.on('exists', () => {
      this.changed = true;
      this.opts.onExists?.();
    });
    try {
      for (const folder of [mb.processedFolder, mb.quarantineFolder]) {
        if (folder) await this.ensureFolder(client, folder);
      }
      const box = await client.mailboxOpen(mb.folder);
      this.canIdle = client.capabilities.has('IDLE') && !mb.disableIdle;
      this.changed = false;
      return {
        uidValidity: box.uidValidity.toString(),
        uidNext: box.uidNext,
        exists: box.exists,
        canIdle: this.canIdle,
      };
    } catch (err) {
      await this.close();
      throw imapError(this.opts.where, `selecting folder "${mb.folder}"`, err);
    }
  }

  private async ensureFolder(client: ImapFlow, path: string): Promise<void> {
    const list = await client.list();
    if (list.some((f) => f.path === path)) return;
    try {
      await client.mailboxCreate(path);
      this.opts.logger.info({ folder: path }, 'created folder');
    } catch (err) {
      // Another client may have created it in between; a real failure shows at MOVE time.
      this.opts.logger.warn({ folder: path, err: describeError(err) }, 'could not create folder');
    }
  }

  async listUids(fromUid: number): Promise<number[]> {
    try {
      const res = await this.c.search({ uid: `${Math.max(1, fromUid)}:*` }, { uid: true });
      if (!Array.isArray(res)) throw new Error('SEARCH was refused');
      // "n:*" also matches the highest UID when it is below n (RFC 3501 section 6.4.8).
      return res.filter((u) => u >= fromUid).sort((a, b) => a - b);
    } catch (err) {
      throw imapError(this.opts.where, 'listing mail', err);
    } finally {
      this.changed = false;
    }
  }

  async fetchMeta(uid: number): Promise<MailRef | null> {
    try {
      const msg = await this.c.fetchOne(
        String(uid),
        { uid: true, envelope: true, size: true },
        { uid: true },
      );
      if (!msg) return null;
      return {
        uid,
        size: msg.size ?? 0,
        ...(msg.envelope?.messageId ? { messageId: msg.envelope.messageId } : {}),
      };
    } catch (err) {
      throw imapError(this.opts.where, `fetching UID ${uid}`, err);
    }
  }

  async fetchRaw(ref: MailRef): Promise<RawMail | null> {
    try {
      if (ref.size <= this.opts.spoolThresholdBytes) {
        // imapflow fetches `source` with BODY.PEEK[] (RFC 3501 6.4.5): fetching sets no \Seen.
        const msg = await this.c.fetchOne(String(ref.uid), { uid: true, source: true }, { uid: true });
        if (msg === false || !msg.source) return null;
        return { kind: 'buffer', data: msg.source };
      }
      // Large mail: stream it to disk in chunks (partial BODY.PEEK[]<n.m> fetches), never whole in memory.
      const dl = await this.c.download(String(ref.uid), undefined, { uid: true });
      if (!dl.content) return null;
      mkdirSync(this.opts.spoolDir, { recursive: true });
      const path = join(this.opts.spoolDir, `${process.pid}-${Date.now()}-${this.spoolSeq++}-${ref.uid}.eml`);
      await pipeline(dl.content, createWriteStream(path));
      return { kind: 'file', path, size: ref.size };
    } catch (err) {
      throw imapError(this.opts.where, `fetching UID ${ref.uid}`, err);
    }
  }

  async markSeen(uid: number): Promise<void> {
    try {
      const ok = await this.c.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      if (!ok) throw new Error('STORE was refused');
    } catch (err) {
      throw imapError(this.opts.where, `flagging UID ${uid} \\Seen`, err);
    }
  }

  async move(uid: number, folder: string): Promise<void> {
    try {
      const res = await this.c.messageMove(String(uid), folder, { uid: true });
      if (!res) throw new Error(`MOVE to "${folder}" was refused`);
    } catch (err) {
      throw imapError(this.opts.where, `moving UID ${uid} to "${folder}"`, err);
    }
  }

  async wait(timeoutMs: number, signal: AbortSignal): Promise<WaitResult> {
    const client = this.c;
    if (this.changed) return 'changed';
    if (signal.aborted) return 'aborted';
    if (!this.canIdle) {
      // Polling fallback: a NOOP lets the server report EXISTS, then the loop re-lists anyway.
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, timeoutMs);
        function done() {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        }
        signal.addEventListener('abort', done, { once: true });
      });
      if (signal.aborted) return 'aborted';
      try {
        await client.noop();
      } catch (err) {
        throw imapError(this.opts.where, 'NOOP', err);
      }
      return this.changed ? 'changed' : 'timeout';
    }
    // RFC 2177 IDLE: the server pushes EXISTS; we leave IDLE (DONE, via the NOOP that follows)
    // on new mail, on the re-check timeout and on shutdown.
    let result = 'timeout' as WaitResult;
    let closed = false;
    await new Promise<void>((resolve) => {
      const finish = (r: WaitResult) => {
        result = r;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        client.off('exists', onExists);
        client.off('close', onClose);
        resolve();
      };
      const onExists = () => finish('changed');
      const onAbort = () => finish('aborted');
      const onClose = () => {
        closed = true;
        finish('timeout');
      };
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      client.on('exists', onExists);
      client.on('close', onClose);
      client.idle().catch(() => onClose());
    });
    if (closed || !client.usable) {
      throw new Mail2TicketError('E_IMAP', `${this.opts.where}: connection lost while idling`, {
        retryable: true,
      });
    }
    try {
      await client.noop(); // breaks IDLE with DONE first
    } catch (err) {
      throw imapError(this.opts.where, 'leaving IDLE', err);
    }
    return this.changed || result === 'changed' ? 'changed' : result;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (!client.usable) {
      client.close();
      return;
    }
    // LOGOUT breaks IDLE first; bounded so a dead peer cannot hold up a shutdown.
    await Promise.race([
      client.logout().catch(() => client.close()),
      new Promise<void>((r) => setTimeout(r, 5000).unref()),
    ]);
    client.close();
  }
}
