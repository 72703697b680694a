/**
 * A generated mailbox of threaded conversations, as real RFC 5322 bytes, from a deterministic
 * seed. Used to replay many conversations through threading in random order.
 *
 * What the headers look like, mixed per mail the way real clients write them:
 *  - References = the parent's References + the parent's Message-Id (RFC 5322 §3.6.4); when that
 *    grows past 10 ids it is shortened keeping the root and the newest ids (what Thunderbird and
 *    RFC 5537 §3.4.4 do) — every reply still names its root;
 *  - folded one id per line, several per line, comma separated (Outlook), with comments, with a
 *    repeated id; In-Reply-To sometimes without brackets, sometimes with a comment, sometimes
 *    absent (References only);
 *  - thread roots come in pairs whose Message-Ids differ only in the case of the local part,
 *    so any case-folding comparison merges two threads and fails the test;
 *  - some subjects carry an `ejTag:` for a ticket that does not exist.
 */
import { prng } from '../../src/sandbox/faults.js';

export interface GeneratedMail {
  raw: Buffer;
  /** Canonical `<id>`. */
  messageId: string;
  thread: number;
  /** Canonical `<id>` of the thread's first mail. */
  rootId: string;
  parentId?: string;
  from: string;
}

export interface MailboxOptions {
  seed: number;
  mails: number;
  threads: number;
}

/** The sandbox's mulberry32, shared: small, fast, deterministic. */
export { prng };

export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const rnd = prng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const TOPICS = [
  'Printer on fire',
  'Invoice 2024-117 is wrong',
  'Cannot log in',
  'Réunion de lancement',
  'Lieferung verspätet',
  'VPN drops every hour',
  'Refund request',
  'Password reset link expired',
];
const AGENT = 'support@helpdesk.example';
const MAX_REFS = 10;

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

function randomLocal(rnd: () => number, len: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '';
  for (let i = 0; i < len; i++) s += pick(rnd, chars.split(''));
  return s;
}

/** Swap the case of every letter: `aB3` -> `Ab3` (a distinct id that folds to the same one). */
function swapCase(s: string): string {
  return s.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
}

function shorten(refs: string[]): string[] {
  return refs.length <= MAX_REFS ? refs : [refs[0]!, ...refs.slice(refs.length - (MAX_REFS - 1))];
}

function formatReferences(rnd: () => number, refs: string[]): string {
  const style = rnd();
  if (style < 0.35) return refs.join('\r\n ');
  if (style < 0.55) return refs.join(',\r\n\t');
  if (style < 0.7) {
    // several per line, a comment after the first, the last id repeated
    const withDup = [...refs, refs[refs.length - 1]!];
    return withDup.map((r, i) => (i === 0 ? `${r} (original message)` : r)).join(i2sep(rnd));
  }
  if (style < 0.8) return refs.join('');
  return refs.join(' ');
}

function i2sep(rnd: () => number): string {
  return rnd() < 0.5 ? ' ' : '\r\n  ';
}

function formatInReplyTo(rnd: () => number, parent: string): string | undefined {
  const style = rnd();
  if (style < 0.6) return parent;
  if (style < 0.75) return parent.slice(1, -1); // without angle brackets
  if (style < 0.9) return `${parent} (Ann's message of Mon, 3 Jun 2024)`;
  return undefined; // References only
}

function rfc5322Date(base: number, minutes: number): string {
  const d = new Date(base + minutes * 60_000);
  return d.toUTCString().replace('GMT', '+0000');
}

export function generateMailbox(opts: MailboxOptions): GeneratedMail[] {
  const rnd = prng(opts.seed);
  const sizes = Array.from({ length: opts.threads }, () => 1);
  for (let i = opts.threads; i < opts.mails; i++) sizes[Math.floor(rnd() * opts.threads)]!++;
  const base = Date.UTC(2024, 5, 3, 8, 0, 0);
  const out: GeneratedMail[] = [];
  let pairedLocal = '';

  for (let t = 0; t < opts.threads; t++) {
    const customer = `customer${t}@client${t % 7}.example`;
    const colleague = `colleague${t}@client${t % 7}.example`;
    const topic = `${pick(rnd, TOPICS)} #${t}`;
    // Roots in pairs: thread 2k+1's root id is thread 2k's with the case of every letter swapped.
    if (t % 2 === 0) pairedLocal = `${randomLocal(rnd, 12)}.${t}`;
    const rootLocal = t % 2 === 0 ? pairedLocal : swapCase(pairedLocal);
    const thread: { id: string; refs: string[]; from: string }[] = [];

    for (let n = 0; n < sizes[t]!; n++) {
      const parent = n === 0 ? undefined : rnd() < 0.7 ? thread[thread.length - 1]! : pick(rnd, thread);
      const from =
        parent === undefined
          ? customer
          : parent.from === AGENT
            ? rnd() < 0.2
              ? colleague
              : customer
            : AGENT;
      const host = from === AGENT ? 'helpdesk.example' : `client${t % 7}.example`;
      const id =
        n === 0 ? `<${rootLocal}@mail.client.example>` : `<${randomLocal(rnd, 16)}.${t}.${n}@${host}>`;
      const refs = parent ? shorten([...parent.refs, parent.id]) : [];
      const tag = rnd() < 0.1 ? ` [ejTag: ${900_000 + t}]` : '';
      const subject = `${parent ? 'Re: ' : ''}${topic}${tag}`;
      const lines = [
        `Return-Path: <${from}>`,
        `Received: from mx.example ([192.0.2.${(t % 250) + 1}]) by imap.helpdesk.example; ${rfc5322Date(base, t * 60 + n * 7)}`,
        `From: ${from === AGENT ? 'Helpdesk' : `"Customer ${t}"`} <${from}>`,
        `To: ${from === AGENT ? customer : AGENT}`,
        `Subject: ${subject}`,
        `Date: ${rfc5322Date(base, t * 60 + n * 7)}`,
        `Message-ID: ${id}`,
      ];
      if (parent) {
        const irt = formatInReplyTo(rnd, parent.id);
        if (irt !== undefined) lines.push(`In-Reply-To: ${irt}`);
        lines.push(`References: ${formatReferences(rnd, refs)}`);
      }
      lines.push(
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: 8bit',
      );
      const body = `Message ${n + 1} of conversation ${t}.\r\n\r\n${parent ? '> earlier text\r\n' : ''}Regards\r\n`;
      out.push({
        raw: Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'utf8'),
        messageId: id,
        thread: t,
        rootId: thread[0]?.id ?? id,
        ...(parent ? { parentId: parent.id } : {}),
        from,
      });
      thread.push({ id, refs, from });
    }
  }
  return out;
}
