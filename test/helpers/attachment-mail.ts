import { createHash } from 'node:crypto';
import { base64Lines } from '../../scripts/lib/mime.js';

/**
 * Mails with files, as a client writes them: multipart/mixed, a text body, then each file with its
 * own headers (the caller writes the Content-Type/Content-Disposition lines, so every name encoding
 * can be tested as sent). CRLF line ends, as on the wire.
 */
export interface FilePart {
  /** Header lines of the part (without Content-Transfer-Encoding when `encoding` is given). */
  headers: string[];
  /** The decoded content. */
  content: Buffer;
  /** How the content is written: base64 (default), raw (7bit/8bit, e.g. message/rfc822) or pre-encoded. */
  encoding?: 'base64' | 'raw' | { cte: string; text: string };
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

export function mailWithFiles(
  messageId: string,
  files: FilePart[],
  opts: { html?: string; subject?: string } = {},
): Buffer {
  const boundary = '----=_m2t_attach_boundary';
  const out: string[] = [
    'From: Customer <customer@example.com>',
    'To: support@example.com',
    `Subject: ${opts.subject ?? 'files'}`,
    'Date: Mon, 04 Mar 2024 10:00:00 +0100',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
  ];
  if (opts.html) {
    out.push('Content-Type: text/html; charset=utf-8', '', opts.html);
  } else {
    out.push('Content-Type: text/plain; charset=utf-8', '', 'Please see the attached files.');
  }
  for (const f of files) {
    out.push(`--${boundary}`, ...f.headers);
    const enc = f.encoding ?? 'base64';
    if (enc === 'base64') out.push('Content-Transfer-Encoding: base64', '', base64Lines(f.content, '\r\n'));
    else if (enc === 'raw') out.push('', f.content.toString('latin1'));
    else out.push(`Content-Transfer-Encoding: ${enc.cte}`, '', enc.text);
  }
  out.push(`--${boundary}--`, '');
  return Buffer.from(out.join('\r\n').replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** A small mail with the same Message-Id, to seed the sandbox with the message to update. */
export function seedMail(messageId: string): Buffer {
  return Buffer.from(
    `From: Customer <customer@example.com>\r\nTo: support@example.com\r\nSubject: files\r\nDate: Mon, 04 Mar 2024 10:00:00 +0100\r\nMessage-ID: ${messageId}\r\n\r\nseed\r\n`,
  );
}

/** Deterministic bytes that are not text (so no decoder could pass them by accident). */
export function bytesOf(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 255;
  }
  return b;
}
