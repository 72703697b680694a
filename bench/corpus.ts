/**
 * The benchmark corpus: a deterministic (seeded) set of .eml files shaped like a support
 * mailbox's traffic, written to a directory. Same seed and size, same bytes.
 *
 * Mix (of BENCH_MAILS, default 2,000): plain text, multipart/alternative with ~20 KB HTML,
 * multipart/related with inline (cid:) images, replies (In-Reply-To/References to earlier mails,
 * some with an `ejTag:` subject tag), legacy charsets (ISO-8859-x, windows-1252, KOI8-R,
 * ISO-2022-JP, Shift_JIS, GB2312), RFC 3464 and plain-text bounces of earlier mails,
 * auto-replies, small PDF attachments, and a few mails with 10 MB and one with a 50 MB
 * attachment. Big attachments are streamed to disk, never held in memory.
 *
 * Run alone: `node --import tsx bench/corpus.ts DIR [MAILS]`.
 */
import { once } from 'node:events';
import { createWriteStream, linkSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHARSET_SAMPLES, htmlBody, NAMES, plainBody, sentence } from './corpus-text.js';
import {
  base64Lines,
  encode,
  encodedWordQ,
  encodedWordsB,
  headerBlock,
  quotedPrintable,
  toCrlf,
} from '../scripts/lib/mime.js';
import { byteCipher, Prng } from './prng.js';

export const DEFAULT_SEED = 'mail2ticket-bench-v1';
export const DEFAULT_MAILS = 2000;
/** Size of the HTML part of multipart/alternative mail (the issue asks for 20 KB). */
export const HTML_BYTES = 20 * 1024;
export const MIB = 1024 * 1024;

export type CorpusKind =
  | 'plain'
  | 'alternative'
  | 'inline-images'
  | 'reply'
  | 'charset'
  | 'bounce-dsn'
  | 'bounce-plain'
  | 'auto-reply'
  | 'attachment-10mb'
  | 'attachment-50mb';

/** Share of each kind among the ordinary mails (the big ones are placed separately). */
const MIX: [CorpusKind, number][] = [
  ['plain', 0.22],
  ['alternative', 0.26],
  ['inline-images', 0.1],
  ['reply', 0.2],
  ['charset', 0.1],
  ['bounce-dsn', 0.06],
  ['bounce-plain', 0.03],
  ['auto-reply', 0.03],
];

export interface CorpusOptions {
  /** Directory to create; mails go to DIR/mails, the 50 MB mail also to DIR/alone. */
  dir: string;
  mails?: number;
  seed?: string;
  /** Big-attachment mails inside the corpus (defaults: two of 10 MB, one of 50 MB). */
  tenMb?: number;
  fiftyMb?: number;
}

export interface CorpusInfo {
  mailDir: string;
  /** A directory holding only the 50 MB-attachment mail (for the "alone" peak RSS). */
  aloneDir: string | undefined;
  mails: number;
  bytes: number;
  kinds: Partial<Record<CorpusKind, number>>;
  seed: string;
}

interface Known {
  id: string;
  subject: string;
  from: string;
  references: string[];
  ticket?: number;
}

const DOMAINS = ['example.com', 'example.org', 'kunde.example.no', 'firma.example.de', 'shop.example.jp'];
const BASE_TIME = Date.UTC(2024, 2, 1, 7, 0, 0);
const OFFSETS = ['+0100', '+0200', '-0500', '+0900', '+0000', '+0530'];

function dateHeader(i: number, rng: Prng): string {
  const offset = rng.pick(OFFSETS);
  const sign = offset.startsWith('-') ? -1 : 1;
  const mins = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3)));
  const t = new Date(BASE_TIME + i * 420_000 + rng.int(0, 300_000) + mins * 60_000);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][t.getUTCDay()];
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][
    t.getUTCMonth()
  ];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${day}, ${t.getUTCDate()} ${mon} ${t.getUTCFullYear()} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())} ${offset}`;
}

function person(rng: Prng): { name: string; address: string } {
  const name = rng.pick(NAMES);
  const local = name.toLowerCase().replace(/[^a-z]+/g, '.');
  return { name, address: `${local}${rng.int(1, 400)}@${rng.pick(DOMAINS)}` };
}

class Builder {
  private readonly known: Known[] = [];

  constructor(private readonly rng: Prng) {}

  /** Common top-level headers; returns them plus the Known record for later replies/bounces. */
  private envelope(i: number, subject: string, extra: [string, string][] = []): [string, string][] {
    const rng = this.rng;
    const from = person(rng);
    const id = `<bench.${i}.${rng.next().toString(16)}@mail.${rng.pick(DOMAINS)}>`;
    const date = dateHeader(i, rng);
    this.known.push({ id, subject, from: from.address, references: [] });
    return [
      ['Return-Path', `<${from.address}>`],
      [
        'Received',
        `from mail.example.net (mail.example.net [192.0.2.${rng.int(1, 254)}]) by mx.support.example.com with ESMTPS id ${rng.next().toString(36)}; ${date}`,
      ],
      [
        'Received',
        `from client (unknown [198.51.100.${rng.int(1, 254)}]) by mail.example.net with ESMTPSA; ${date}`,
      ],
      ['From', `"${from.name}" <${from.address}>`],
      ['To', 'Support <support@support.example.com>'],
      ...(rng.chance(0.2)
        ? ([['Cc', `${person(rng).address}, "${rng.pick(NAMES)}" <${person(rng).address}>`]] as [
            string,
            string,
          ][])
        : []),
      ['Subject', subject],
      ['Date', date],
      ['Message-ID', id],
      ['MIME-Version', '1.0'],
      ...extra,
    ];
  }

  private last(): Known {
    return this.known[this.known.length - 1]!;
  }

  plain(i: number): Buffer {
    const body = plainBody(this.rng, this.rng.int(400, 4000));
    const qp = this.rng.chance(0.4);
    const text = qp ? quotedPrintable(Buffer.from(`${body}Vennlig hilsen, Åse\n`)) : body;
    const h = this.envelope(i, sentence(this.rng, 3, 8), [
      ['Content-Type', 'text/plain; charset=utf-8; format=flowed'],
      ['Content-Transfer-Encoding', qp ? 'quoted-printable' : '7bit'],
    ]);
    return Buffer.from(`${headerBlock(h)}\n${text}`);
  }

  alternative(i: number, attach = this.rng.chance(0.12)): Buffer {
    const rng = this.rng;
    const b = `alt-${rng.next().toString(16)}`;
    const text = plainBody(rng, rng.int(800, 3000));
    const html = htmlBody(rng, HTML_BYTES);
    let body = `--${b}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${quotedPrintable(Buffer.from(text))}\n--${b}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${quotedPrintable(Buffer.from(html))}\n--${b}--\n`;
    let type = `multipart/alternative; boundary="${b}"`;
    if (attach) {
      const m = `mix-${rng.next().toString(16)}`;
      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), rng.bytes(rng.int(40_000, 300_000))]);
      body = `--${m}\nContent-Type: ${type}\n\n${body}\n--${m}\nContent-Type: application/pdf; name="invoice-${i}.pdf"\nContent-Disposition: attachment; filename="invoice-${i}.pdf"\nContent-Transfer-Encoding: base64\n\n${base64Lines(pdf)}\n--${m}--\n`;
      type = `multipart/mixed; boundary="${m}"`;
    }
    const h = this.envelope(i, sentence(rng, 3, 8), [
      ['Content-Type', type],
      ['X-Mailer', 'Microsoft Outlook 16.0'],
    ]);
    return Buffer.from(`${headerBlock(h)}\nThis is a multi-part message in MIME format.\n\n${body}`);
  }

  inlineImages(i: number): Buffer {
    const rng = this.rng;
    const r = `rel-${rng.next().toString(16)}`;
    const count = rng.int(1, 3);
    const cids = Array.from(
      { length: count },
      (_, k) => `image00${k + 1}.png@01DA${rng.next().toString(16)}`,
    );
    const html = htmlBody(rng, rng.int(4000, 12000), { cids });
    const images = cids.map((cid, k) => {
      const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), rng.bytes(rng.int(5_000, 60_000))]);
      return `--${r}\nContent-Type: image/png; name="image00${k + 1}.png"\nContent-Description: image00${k + 1}.png\nContent-Disposition: inline; filename="image00${k + 1}.png"\nContent-ID: <${cid}>\nContent-Transfer-Encoding: base64\n\n${base64Lines(png)}\n`;
    });
    const body = `--${r}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${quotedPrintable(Buffer.from(html))}\n${images.join('')}--${r}--\n`;
    const h = this.envelope(i, sentence(rng, 3, 8), [
      ['Content-Type', `multipart/related; type="text/html"; boundary="${r}"`],
    ]);
    return Buffer.from(`${headerBlock(h)}\n${body}`);
  }

  reply(i: number): Buffer {
    const rng = this.rng;
    const parent = this.known.length
      ? this.known[Math.max(0, this.known.length - rng.int(1, 60))]!
      : undefined;
    if (!parent) return this.plain(i);
    const refs = [...parent.references, parent.id].slice(-12);
    const ticket = parent.ticket ?? (rng.chance(0.3) ? rng.int(1000, 9999) : undefined);
    const base = parent.subject.replace(/^(re|aw|sv):\s*/i, '').replace(/\s*\[ejTag: \d+\]$/, '');
    const subject = `${rng.pick(['Re', 'RE', 'AW', 'SV'])}: ${base}${ticket ? ` [ejTag: ${ticket}]` : ''}`;
    const quoted = plainBody(rng, rng.int(300, 1500))
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n');
    const text = `${plainBody(rng, rng.int(200, 1200))}\nOn ${dateHeader(i - 1, rng)}, ${parent.from} wrote:\n${quoted}\n`;
    const html = rng.chance(0.5);
    const extra: [string, string][] = [
      ['In-Reply-To', parent.id],
      ['References', refs.join('\n ')],
    ];
    let out: Buffer;
    if (html) {
      const b = `alt-${rng.next().toString(16)}`;
      const h = this.envelope(i, subject, [
        ...extra,
        ['Content-Type', `multipart/alternative; boundary="${b}"`],
      ]);
      const htmlPart = `${htmlBody(rng, HTML_BYTES)}<blockquote type="cite">${quoted.replace(/\n/g, '<br>\n')}</blockquote>`;
      out = Buffer.from(
        `${headerBlock(h)}\n--${b}\nContent-Type: text/plain; charset=utf-8\n\n${text}\n--${b}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n${quotedPrintable(Buffer.from(htmlPart))}\n--${b}--\n`,
      );
    } else {
      const h = this.envelope(i, subject, [...extra, ['Content-Type', 'text/plain; charset=utf-8']]);
      out = Buffer.from(`${headerBlock(h)}\n${text}`);
    }
    const me = this.last();
    me.references = refs;
    if (ticket) me.ticket = ticket;
    return out;
  }

  charset(i: number): Buffer {
    const rng = this.rng;
    const s = rng.pick(CHARSET_SAMPLES);
    const subject = /^iso-8859|windows/.test(s.charset)
      ? encodedWordQ(s.subject, s.charset)
      : encodedWordsB(s.subject, s.charset);
    const bytes = encode(`${s.text}\n${s.text}`, s.charset);
    // 7-bit charsets travel as they are; 8-bit ones as raw 8bit, QP or base64, as MUAs send them.
    const cte = s.charset === 'iso-2022-jp' ? '7bit' : rng.pick(['8bit', 'quoted-printable', 'base64']);
    const encoded =
      cte === 'base64' ? base64Lines(bytes) : cte === 'quoted-printable' ? quotedPrintable(bytes) : null;
    const asHtml = rng.chance(0.3);
    const h = this.envelope(i, subject, [
      ['Content-Type', `${asHtml ? 'text/html' : 'text/plain'}; charset="${s.charset}"`],
      ['Content-Transfer-Encoding', cte],
    ]);
    const head = Buffer.from(`${headerBlock(h)}\n`);
    if (asHtml) {
      const html = encode(`<html><body><p>${s.text.replace(/\n/g, '<br>')}</p></body></html>\n`, s.charset);
      const body =
        cte === 'base64' ? base64Lines(html) : cte === 'quoted-printable' ? quotedPrintable(html) : null;
      return Buffer.concat([head, body === null ? html : Buffer.from(body)]);
    }
    return Buffer.concat([head, encoded === null ? bytes : Buffer.from(encoded)]);
  }

  bounceDsn(i: number): Buffer {
    const rng = this.rng;
    const orig = this.known.length ? rng.pick(this.known) : undefined;
    const rcpt = orig?.from ?? 'nobody@example.org';
    const b = `dsn-${rng.next().toString(16)}`;
    const status = rng.pick(['5.1.1', '5.2.2', '4.4.1', '5.7.1']);
    const action = status.startsWith('4') ? 'delayed' : 'failed';
    const h = this.envelope(i, 'Undelivered Mail Returned to Sender', [
      ['Auto-Submitted', 'auto-replied'],
      ['Content-Type', `multipart/report; report-type=delivery-status; boundary="${b}"`],
    ]);
    h[0] = ['Return-Path', '<>'];
    h[3] = ['From', 'MAILER-DAEMON@mx.support.example.com (Mail Delivery System)'];
    const returned = rng.chance(0.5)
      ? `Content-Type: message/rfc822\n\nFrom: Support <support@support.example.com>\nTo: ${rcpt}\nSubject: ${orig?.subject ?? 'x'}\nMessage-ID: ${orig?.id ?? '<x@example.com>'}\nDate: ${dateHeader(i - 3, rng)}\n\n${plainBody(rng, 600)}`
      : `Content-Type: text/rfc822-headers\n\nFrom: Support <support@support.example.com>\nTo: ${rcpt}\nSubject: ${orig?.subject ?? 'x'}\nMessage-ID: ${orig?.id ?? '<x@example.com>'}\n`;
    const body = `--${b}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host mx.support.example.com.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<${rcpt}>: host mx.example.org[203.0.113.5] said: 550 ${status}\n    <${rcpt}>: Recipient address rejected: User unknown in virtual mailbox table\n\n--${b}\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.support.example.com\nX-Postfix-Queue-ID: ${rng.next().toString(16).toUpperCase()}\nArrival-Date: ${dateHeader(i - 1, rng)}\n\nFinal-Recipient: rfc822; ${rcpt}\nOriginal-Recipient: rfc822;${rcpt}\nAction: ${action}\nStatus: ${status}\nRemote-MTA: dns; mx.example.org\nDiagnostic-Code: smtp; 550 ${status} <${rcpt}>: Recipient address rejected\n\n--${b}\n${returned}\n--${b}--\n`;
    return Buffer.from(`${headerBlock(h)}\nThis is a MIME-encapsulated message.\n\n${body}`);
  }

  bouncePlain(i: number): Buffer {
    const rng = this.rng;
    const orig = this.known.length ? rng.pick(this.known) : undefined;
    const rcpt = orig?.from ?? 'nobody@example.org';
    const h = this.envelope(i, 'failure notice', [['Content-Type', 'text/plain; charset=us-ascii']]);
    h[0] = ['Return-Path', '<>'];
    h[3] = ['From', 'MAILER-DAEMON@mail.example.net'];
    const text = `Hi. This is the qmail-send program at mail.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<${rcpt}>:\n203.0.113.7 does not like recipient.\nRemote host said: 550 5.1.1 <${rcpt}>... User unknown\nGiving up on 203.0.113.7.\n\n--- Below this line is a copy of the message.\n\nReturn-Path: <support@support.example.com>\nFrom: Support <support@support.example.com>\nTo: ${rcpt}\nSubject: ${orig?.subject ?? 'x'}\nMessage-ID: ${orig?.id ?? '<x@example.com>'}\n\n${plainBody(rng, 500)}`;
    return Buffer.from(`${headerBlock(h)}\n${text}`);
  }

  autoReply(i: number): Buffer {
    const rng = this.rng;
    const orig = this.known.length ? rng.pick(this.known) : undefined;
    const h = this.envelope(
      i,
      `${rng.pick(['Automatic reply', 'Out of Office', 'Abwesenheitsnotiz'])}: ${orig?.subject ?? 'x'}`,
      [
        ['Auto-Submitted', 'auto-replied'],
        ['X-Auto-Response-Suppress', 'All'],
        ...(orig ? ([['In-Reply-To', orig.id]] as [string, string][]) : []),
        ['Content-Type', 'text/plain; charset=utf-8'],
      ],
    );
    return Buffer.from(
      `${headerBlock(h)}\nI am out of the office until ${dateHeader(i + 2000, rng)} with limited access to e-mail.\n${sentence(rng)}\n`,
    );
  }

  /** Headers and text part of a mail with one big attachment; the attachment is written by the caller. */
  bigHead(i: number, size: number): { head: string; boundary: string; name: string } {
    const rng = this.rng;
    const b = `big-${rng.next().toString(16)}`;
    const name = `backup-${Math.round(size / MIB)}mb-${i}.zip`;
    const h = this.envelope(i, `Log files for the crash (${Math.round(size / MIB)} MB)`, [
      ['Content-Type', `multipart/mixed; boundary="${b}"`],
    ]);
    const head = `${headerBlock(h)}\n--${b}\nContent-Type: text/plain; charset=utf-8\n\n${plainBody(rng, 600)}\n--${b}\nContent-Type: application/zip; name="${name}"\nContent-Disposition: attachment; filename="${name}"\nContent-Transfer-Encoding: base64\n\n`;
    return { head, boundary: b, name };
  }

  build(kind: CorpusKind, i: number): Buffer {
    switch (kind) {
      case 'plain':
        return this.plain(i);
      case 'alternative':
        return this.alternative(i);
      case 'inline-images':
        return this.inlineImages(i);
      case 'reply':
        return this.reply(i);
      case 'charset':
        return this.charset(i);
      case 'bounce-dsn':
        return this.bounceDsn(i);
      case 'bounce-plain':
        return this.bouncePlain(i);
      default:
        return this.autoReply(i);
    }
  }
}

/** Stream a mail with a `size`-byte attachment to `path` (CRLF), never holding the attachment. */
async function writeBig(
  path: string,
  builder: Builder,
  i: number,
  size: number,
  seed: string,
): Promise<number> {
  const { head, boundary } = builder.bigHead(i, size);
  const out = createWriteStream(path);
  const cipher = byteCipher(`${seed}/big/${i}`);
  const write = async (s: string | Buffer) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(head.replace(/\n/g, '\r\n'));
  const CHUNK = 57 * 1024; // 57 bytes encode to one 76-column base64 line
  for (let done = 0; done < size; done += CHUNK) {
    await write(`${base64Lines(cipher.take(Math.min(CHUNK, size - done)), '\r\n')}\r\n`);
  }
  const tail = `--${boundary}--\r\n`;
  await write(tail);
  out.end();
  await once(out, 'finish');
  return statSync(path).size;
}

export async function generateCorpus(opts: CorpusOptions): Promise<CorpusInfo> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const total = opts.mails ?? DEFAULT_MAILS;
  const tenMb = opts.tenMb ?? 2;
  const fiftyMb = opts.fiftyMb ?? 1;
  const rng = new Prng(seed);
  const builder = new Builder(rng);
  const mailDir = join(opts.dir, 'mails');
  mkdirSync(mailDir, { recursive: true });
  // Big mails sit at fixed fractions of the run, so a quick run (small BENCH_MAILS) has them too.
  // Evenly spaced, the 50 MB ones in the middle: [10, 50, 10] for the defaults.
  const sizes = Array<number>(tenMb).fill(10 * MIB);
  sizes.splice(Math.ceil(tenMb / 2), 0, ...Array<number>(fiftyMb).fill(50 * MIB));
  const bigAt = new Map<number, number>();
  sizes.forEach((size, j) => {
    bigAt.set(Math.floor((total * (j + 1)) / (sizes.length + 1)), size);
  });
  const kinds: Partial<Record<CorpusKind, number>> = {};
  let bytes = 0;
  let aloneDir: string | undefined;
  for (let i = 0; i < total; i++) {
    const file = join(mailDir, `${String(i).padStart(6, '0')}.eml`);
    const big = bigAt.get(i);
    if (big !== undefined) {
      const kind: CorpusKind = big === 50 * MIB ? 'attachment-50mb' : 'attachment-10mb';
      kinds[kind] = (kinds[kind] ?? 0) + 1;
      bytes += await writeBig(file, builder, i, big, seed);
      if (kind === 'attachment-50mb' && !aloneDir) {
        aloneDir = join(opts.dir, 'alone');
        mkdirSync(aloneDir, { recursive: true });
        linkSync(file, join(aloneDir, 'attachment-50mb.eml'));
      }
      continue;
    }
    let roll = rng.float();
    let kind: CorpusKind = 'plain';
    for (const [k, share] of MIX) {
      kind = k;
      roll -= share;
      if (roll < 0) break;
    }
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    let mail = builder.build(kind, i);
    // Most mail arrives with CRLF (SMTP, IMAP); some stores (Maildir, mbox exports) keep LF.
    if (rng.chance(0.8)) mail = toCrlf(mail);
    writeFileSync(file, mail);
    bytes += mail.length;
  }
  return { mailDir, aloneDir, mails: total, bytes, kinds, seed };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node --import tsx bench/corpus.ts DIR [MAILS]\n');
    process.exit(2);
  }
  const info = await generateCorpus({ dir, mails: Number(process.argv[3] ?? DEFAULT_MAILS) });
  process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
}
