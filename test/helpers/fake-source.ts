import type { Clock, FolderInfo, MailRef, MailSource, RawMail, WaitResult } from '../../src/daemon/types.js';

export interface FakeMail {
  uid: number;
  raw: Buffer;
  messageId?: string;
  flags: Set<string>;
}

/** An in-memory IMAP folder (plus other folders) for loop unit tests. */
export class FakeSource implements MailSource {
  uidValidity = '1000';
  nextUid = 1;
  folders = new Map<string, FakeMail[]>([['INBOX', []]]);
  connected = false;
  opens = 0;
  /** Next open() calls throw this many times. */
  failOpens = 0;
  /** Fail the next markSeen/move (the connection "drops" right after the API accepted). */
  failNextApply = false;
  canIdle = true;
  private changed = false;
  log: string[] = [];

  constructor(private readonly clock: FakeClock) {}

  mkMail(messageId: string | undefined, body = 'hello'): Buffer {
    return Buffer.from(`${messageId ? `Message-Id: ${messageId}\r\n` : ''}Subject: t\r\n\r\n${body}\r\n`);
  }

  deliver(messageId: string | undefined, body?: string): number {
    const uid = this.nextUid++;
    this.folders.get('INBOX')!.push({ uid, raw: this.mkMail(messageId, body), messageId, flags: new Set() });
    this.changed = true;
    return uid;
  }

  inbox(): FakeMail[] {
    return this.folders.get('INBOX')!;
  }

  /** Renumber the folder with a new UIDVALIDITY (as after a server index rebuild). */
  resetUidValidity(v: string): void {
    this.uidValidity = v;
    this.nextUid = 1;
    for (const m of this.inbox()) m.uid = this.nextUid++;
    this.connected = false;
  }

  private need(): void {
    if (!this.connected) throw Object.assign(new Error('not connected'), { code: 'NoConnection' });
  }

  async open(): Promise<FolderInfo> {
    this.opens++;
    if (this.failOpens > 0) {
      this.failOpens--;
      throw new Error('ECONNREFUSED 127.0.0.1:1');
    }
    this.connected = true;
    return {
      uidValidity: this.uidValidity,
      uidNext: this.nextUid,
      exists: this.inbox().length,
      canIdle: this.canIdle,
    };
  }

  async listUids(fromUid: number): Promise<number[]> {
    this.need();
    this.changed = false;
    return this.inbox()
      .map((m) => m.uid)
      .filter((u) => u >= fromUid);
  }

  async fetchMeta(uid: number): Promise<MailRef | null> {
    this.need();
    const m = this.inbox().find((x) => x.uid === uid);
    return m ? { uid, size: m.raw.length, ...(m.messageId ? { messageId: m.messageId } : {}) } : null;
  }

  async fetchRaw(ref: MailRef): Promise<RawMail | null> {
    this.need();
    const m = this.inbox().find((x) => x.uid === ref.uid);
    return m ? { kind: 'buffer', data: m.raw } : null;
  }

  private applyCheck(what: string): void {
    this.need();
    if (this.failNextApply) {
      this.failNextApply = false;
      this.connected = false;
      throw new Error(`connection lost during ${what}`);
    }
  }

  async markSeen(uid: number): Promise<void> {
    this.applyCheck('STORE');
    const m = this.inbox().find((x) => x.uid === uid);
    m?.flags.add('\\Seen');
    this.log.push(`seen ${uid}`);
  }

  async move(uid: number, folder: string): Promise<void> {
    this.applyCheck('MOVE');
    const inbox = this.inbox();
    const i = inbox.findIndex((x) => x.uid === uid);
    if (i < 0) return;
    const [m] = inbox.splice(i, 1);
    if (!this.folders.has(folder)) this.folders.set(folder, []);
    this.folders.get(folder)!.push(m!);
    this.log.push(`move ${uid} ${folder}`);
  }

  async wait(timeoutMs: number, signal: AbortSignal): Promise<WaitResult> {
    this.need();
    await new Promise((r) => setImmediate(r));
    if (signal.aborted) return 'aborted';
    if (this.changed) return 'changed';
    this.clock.advance(timeoutMs);
    return 'timeout';
  }

  async close(): Promise<void> {
    this.connected = false;
  }
}

/** Virtual time: sleeps advance it at once (after yielding), so schedules run instantly. */
export class FakeClock implements Clock {
  t = Date.UTC(2025, 0, 1);
  sleeps: number[] = [];
  rnd = 0.5;
  now = () => this.t;
  random = () => this.rnd;
  advance(ms: number): void {
    this.t += ms;
  }
  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    this.sleeps.push(ms);
    await new Promise((r) => setImmediate(r));
    if (!signal?.aborted) this.t += ms;
  };
}

export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
