/**
 * Generators for hostile and broken mail (issue 2, "Bad input"). Small inputs are built as Buffers;
 * the big attachment mail is streamed to a file chunk by chunk so the test process never holds it.
 *
 * Each generator produces what real software produces when it breaks: a relay that cut a
 * connection (truncated MIME), a mailer that forgot the closing delimiter (RFC 2046 5.1.1 makes it
 * mandatory), header and nesting bombs that exhaust naive parsers, and NUL bytes (RFC 5322 2.1
 * forbids them; old Windows gateways and corrupted spools still emit them).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';

const HEAD = [
  'From: Kari Nordmann <kari.nordmann@example.no>',
  'To: support@acme.example',
  'Date: Mon, 3 Mar 2025 08:02:05 +0100',
  'MIME-Version: 1.0',
];

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');

/** 0 bytes: what an interrupted IMAP FETCH or a `touch`ed Maildir file leaves behind. */
export function emptyMail(): Buffer {
  return Buffer.alloc(0);
}

/**
 * A multipart mail cut off in the middle of a base64 attachment (a relay or a disk that stopped
 * half-way): no closing delimiter, a partial base64 line, a partial last line without CRLF.
 */
export function truncatedMime(): Buffer {
  const attachment = Buffer.alloc(4096, 'report data ').toString('base64');
  const lines = (attachment.match(/.{1,76}/g) ?? []).slice(0, 20);
  const full = crlf([
    ...HEAD,
    'Subject: Truncated report',
    'Message-ID: <truncated-mime-1@example.no>',
    'Content-Type: multipart/mixed; boundary="b1_trunc"',
    '',
    '--b1_trunc',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The report is attached.',
    '',
    '--b1_trunc',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    ...lines,
  ]);
  return full.subarray(0, full.length - 37); // mid-line, mid-quantum
}

/** Complete parts, but the final `--boundary--` line (RFC 2046 5.1.1) never comes. */
export function missingClosingBoundary(): Buffer {
  return crlf([
    ...HEAD,
    'Subject: Missing closing boundary',
    'Message-ID: <missing-close-1@example.no>',
    'Content-Type: multipart/alternative; boundary="alt_0042"',
    '',
    '--alt_0042',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Plain part of a mail whose closing delimiter is missing.',
    '',
    '--alt_0042',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>HTML part of a mail whose closing delimiter is missing.</p>',
    '',
  ]);
}

/** One header line of `valueBytes` bytes (default 1 MiB): a Subject or X- header bomb. */
export function hugeHeaderLine(valueBytes = 1024 * 1024, field = 'X-Filler'): Buffer {
  const value = 'abcdefghij'.repeat(Math.ceil(valueBytes / 10)).slice(0, valueBytes);
  return crlf([
    ...HEAD,
    'Subject: Huge header line',
    'Message-ID: <huge-header-1@example.no>',
    `${field}: ${value}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Body after a very long header line.',
    '',
  ]);
}

/** `count` header fields (default 10,000), each distinct, as a mail loop through trace headers makes. */
export function manyHeaders(count = 10_000): Buffer {
  const fields = Array.from(
    { length: count },
    (_, i) => `X-Loop-Trace-${i}: hop ${i} via relay${i % 7}.example`,
  );
  return crlf([
    ...HEAD,
    'Subject: Ten thousand headers',
    'Message-ID: <many-headers-1@example.no>',
    ...fields,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Body after very many header fields.',
    '',
  ]);
}

/**
 * MIME nested `depth` levels (default 100): multipart/mixed inside multipart/mixed, with a text
 * part and (optionally) a small attachment at the bottom. A parser that recurses per level, or
 * keeps a boundary stack without a limit, is the target.
 */
export function deepMime(depth = 100, withAttachment = false): Buffer {
  const lines: string[] = [...HEAD, 'Subject: MIME nested deep', 'Message-ID: <deep-mime-1@example.no>'];
  for (let i = 0; i < depth; i++) {
    lines.push(`Content-Type: multipart/mixed; boundary="lvl${i}"`, '', `--lvl${i}`);
  }
  lines.push('Content-Type: text/plain; charset=us-ascii', '', 'The innermost text.', '');
  if (withAttachment) {
    lines.push(
      `--lvl${depth - 1}`,
      'Content-Type: application/octet-stream; name="deep.bin"',
      'Content-Disposition: attachment; filename="deep.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      'AAECAwQFBgcICQ==',
      '',
    );
  }
  for (let i = depth - 1; i >= 0; i--) lines.push(`--lvl${i}--`, '');
  return crlf(lines);
}

/** NUL bytes in a header value and in the body (RFC 5322 2.1 and RFC 5321 4.5.2 forbid them). */
export function nulBytes(): Buffer {
  return Buffer.concat([
    crlf([
      ...HEAD,
      'Message-ID: <nul-bytes-1@example.no>',
      'Subject: NUL\0in subject',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Body with a NUL',
    ]),
    Buffer.from([0x00, 0x00]),
    crlf([' byte pair and after it more text.', '']),
  ]);
}

/** More MIME parts than limits.maxMimeParts (default 1000) allows. */
export function tooManyParts(parts = 1500): Buffer {
  const lines: string[] = [
    ...HEAD,
    'Subject: Many parts',
    'Message-ID: <many-parts-1@example.no>',
    'Content-Type: multipart/mixed; boundary="mp"',
    '',
  ];
  for (let i = 0; i < parts; i++) lines.push('--mp', 'Content-Type: text/plain', '', `part ${i}`);
  lines.push('--mp--', '');
  return crlf(lines);
}

/** Not mail at all: pseudo-random binary (a misdirected file in a Maildir). Deterministic. */
export function binaryGarbage(bytes = 64 * 1024): Buffer {
  const out = Buffer.alloc(bytes);
  let x = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Stream a mail with one `attachmentBytes` (default 60 MiB) base64 attachment to `path`, honouring
 * back-pressure; at most one 57 KiB chunk of it exists in memory at a time. Returns the file size.
 * The attachment bytes are a deterministic pattern (not zeros, so nothing can shortcut them).
 */
export async function writeBigAttachmentMail(
  path: string,
  attachmentBytes = 60 * 1024 * 1024,
): Promise<number> {
  const out = createWriteStream(path);
  const write = async (chunk: string | Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(
    crlf([
      ...HEAD,
      'Subject: Logs (60 MB attached)',
      'Message-ID: <big-attachment-1@example.no>',
      'Content-Type: multipart/mixed; boundary="big_att_boundary"',
      '',
      '--big_att_boundary',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'The full server dump is attached.',
      '',
      '--big_att_boundary',
      'Content-Type: application/octet-stream; name="dump.bin"',
      'Content-Disposition: attachment; filename="dump.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      '',
    ]),
  );
  // 57 bytes -> one 76-char base64 line; 1024 lines per chunk.
  const lineBytes = 57;
  const chunkBytes = lineBytes * 1024;
  const block = Buffer.alloc(chunkBytes);
  let written = 0;
  let seed = 1;
  while (written < attachmentBytes) {
    const n = Math.min(chunkBytes, attachmentBytes - written);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      block[i] = seed >>> 24;
    }
    const lines: string[] = [];
    for (let off = 0; off < n; off += lineBytes) {
      lines.push(block.subarray(off, Math.min(off + lineBytes, n)).toString('base64'));
    }
    await write(`${lines.join('\r\n')}\r\n`);
    written += n;
  }
  await write('\r\n--big_att_boundary--\r\n');
  out.end();
  await once(out, 'finish');
  return (await stat(path)).size;
}
