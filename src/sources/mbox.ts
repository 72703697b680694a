import { open } from 'node:fs/promises';
import { openRef } from './open-ref.js';
import type { MailInput } from './types.js';

/**
 * mbox files (RFC 4155): messages start with a "From " line at the start of the file or after an
 * empty line. We accept both mboxo and mboxrd: lines matching /^>+From / lose one ">" (mboxrd's
 * rule; for mboxo it undoes the only quoting it did).
 *
 * Lines may end in LF, CRLF or a bare CR (mbox files written by classic Mac OS mail programs):
 * a separator is a "From " line after an empty line under any of the three. The parser makes the
 * bare CRs of each message CRLF (src/parse/line-endings.ts).
 */

const FROM = Buffer.from('From ');
const SCAN_CHUNK = 1024 * 1024;

/** Does the file start with a "From " line? */
export async function looksLikeMbox(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(5);
    const { bytesRead } = await fh.read(buf, 0, 5, 0);
    return bytesRead === 5 && buf.equals(FROM);
  } finally {
    await fh.close();
  }
}

interface Span {
  /** Offset of the first byte after the "From " line. */
  start: number;
  /** Offset just past the message (the separating empty line excluded). */
  end: number;
}

/** Find message spans by scanning the file in chunks; memory stays at one chunk. */
export async function scanMbox(path: string): Promise<Span[]> {
  const fh = await open(path, 'r');
  const starts: number[] = []; // offsets of "From " lines
  let size = 0;
  try {
    const buf = Buffer.alloc(SCAN_CHUNK + 8);
    // prev2/prev1: the two bytes before the current position, to see "\n\n" or "\n\r\n" across chunks.
    let carry = Buffer.alloc(0);
    let pos = 0;
    for (;;) {
      carry.copy(buf, 0);
      const { bytesRead } = await fh.read(buf, carry.length, SCAN_CHUNK, pos);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, carry.length + bytesRead);
      const base = pos - carry.length;
      if (pos === 0 && view.subarray(0, 5).equals(FROM)) starts.push(0);
      let i = view.indexOf(FROM, 1);
      while (i >= 0) {
        const afterLf = view[i - 1] === 0x0a;
        const afterBlank =
          (afterLf && (view[i - 2] === 0x0a || (view[i - 2] === 0x0d && view[i - 3] === 0x0a))) ||
          (view[i - 1] === 0x0d && view[i - 2] === 0x0d); // CR-only: CR CR "From "
        if (afterBlank && base + i > 0 && !starts.includes(base + i)) starts.push(base + i);
        i = view.indexOf(FROM, i + 1);
      }
      pos += bytesRead;
      carry = Buffer.from(view.subarray(Math.max(0, view.length - 8)));
    }
    size = pos;
  } finally {
    await fh.close();
  }
  return spansFrom(path, starts, size);
}

async function spansFrom(path: string, starts: number[], size: number): Promise<Span[]> {
  const fh = await open(path, 'r');
  try {
    const spans: Span[] = [];
    for (let n = 0; n < starts.length; n++) {
      const lineStart = starts[n]!;
      const next = n + 1 < starts.length ? starts[n + 1]! : size;
      // Skip the "From " line itself.
      const head = Buffer.alloc(Math.min(4096, next - lineStart));
      await fh.read(head, 0, head.length, lineStart);
      const start = lineStart + endOfFirstLine(head, next - lineStart);
      // Drop the one empty line that separates messages (RFC 4155 "the blank line").
      let end = next;
      const tail = Buffer.alloc(Math.min(2, end - start));
      if (tail.length) await fh.read(tail, 0, tail.length, end - tail.length);
      if (n + 1 < starts.length) {
        if (tail.length === 2 && tail[0] === 0x0d && tail[1] === 0x0a) end -= 2;
        else if (tail.length >= 1 && (tail[tail.length - 1] === 0x0a || tail[tail.length - 1] === 0x0d))
          end -= 1;
      }
      spans.push({ start, end: Math.max(start, end) });
    }
    return spans;
  } finally {
    await fh.close();
  }
}

/** Offset just past the "From " line's end (LF, CRLF or bare CR); `whole` when it has none. */
function endOfFirstLine(head: Buffer, whole: number): number {
  const lf = head.indexOf(0x0a);
  const cr = head.indexOf(0x0d);
  if (cr >= 0 && (lf < 0 || cr < lf)) return head[cr + 1] === 0x0a ? cr + 2 : cr + 1;
  return lf < 0 ? whole : lf + 1;
}

export async function* readMbox(path: string, label: string): AsyncGenerator<MailInput> {
  const spans = await scanMbox(path);
  let n = 0;
  for (const { start, end } of spans) {
    n++;
    const ref = { type: 'mbox', path, start, end } as const;
    yield { source: `${label}#${n}`, ref, open: () => openRef(ref) };
  }
}
