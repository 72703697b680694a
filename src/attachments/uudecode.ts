import { Transform, type TransformCallback } from 'node:stream';

/**
 * Decodes a uuencoded part (Content-Transfer-Encoding `x-uuencode`, `uuencode`, `x-uue`: never
 * registered, but sent by old Eudora, Pegasus and Outlook Express when set to uuencode).
 * mailparser passes such a body through undecoded (mailsplit's getDecoder knows base64 and
 * quoted-printable only). Format (POSIX uuencode, "uuencode - encode a binary file"):
 * `begin <mode> <name>`, then lines whose first character gives the byte count ((c - 32) & 63)
 * followed by 4 characters per 3 bytes, each (c - 32) & 63 (a backtick is 0), until a zero-length
 * line and `end`. Works line by line, so any size streams.
 */
export const UUENCODE_ENCODINGS: ReadonlySet<string> = new Set(['x-uuencode', 'uuencode', 'x-uue', 'uue']);

/** The longest line kept while looking for its end (uuencode lines are 61 characters). */
const MAX_LINE_BYTES = 64 * 1024;

export class UudecodeStream extends Transform {
  /** The name from the `begin` line, once seen. */
  filename: string | undefined;
  private state: 'before' | 'data' | 'done' = 'before';
  private rest = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
      this.line(buf.subarray(start, nl));
      start = nl + 1;
    }
    buf = buf.subarray(start);
    // a line without end that is far too long is no uuencode: drop it rather than grow
    this.rest = buf.length > MAX_LINE_BYTES ? Buffer.alloc(0) : Buffer.from(buf);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.rest.length) this.line(this.rest);
    this.rest = Buffer.alloc(0);
    callback();
  }

  private line(raw: Buffer): void {
    const line = raw.at(-1) === 13 ? raw.subarray(0, -1) : raw;
    if (this.state === 'done') return;
    if (this.state === 'before') {
      const m = /^begin +[0-7]{1,4} +(.+)$/.exec(line.toString('latin1'));
      if (m) {
        this.filename = Buffer.from(m[1]!.trim(), 'latin1').toString('utf8');
        this.state = 'data';
      }
      return;
    }
    if (line.length === 0) return;
    if (line.length >= 3 && line.toString('latin1', 0, 3) === 'end' && line.length <= 4) {
      this.state = 'done';
      return;
    }
    const n = (line[0]! - 32) & 63;
    if (n === 0) return; // the zero-length line before `end`
    const out = Buffer.alloc(n);
    let o = 0;
    for (let i = 1; o < n; i += 4) {
      const c0 = ((line[i] ?? 32) - 32) & 63;
      const c1 = ((line[i + 1] ?? 32) - 32) & 63;
      const c2 = ((line[i + 2] ?? 32) - 32) & 63;
      const c3 = ((line[i + 3] ?? 32) - 32) & 63;
      out[o++] = (c0 << 2) | (c1 >> 4);
      if (o < n) out[o++] = ((c1 & 15) << 4) | (c2 >> 2);
      if (o < n) out[o++] = ((c2 & 3) << 6) | c3;
    }
    this.push(out);
  }
}

/** uuencode `data` (tests and fixture mails). */
export function uuencode(data: Buffer, name: string, mode = '644'): string {
  const enc = (v: number) => String.fromCharCode(v === 0 ? 96 : v + 32);
  let out = `begin ${mode} ${name}\n`;
  for (let i = 0; i < data.length; i += 45) {
    const chunk = data.subarray(i, i + 45);
    let line = enc(chunk.length);
    for (let j = 0; j < chunk.length; j += 3) {
      const b0 = chunk[j]!;
      const b1 = chunk[j + 1] ?? 0;
      const b2 = chunk[j + 2] ?? 0;
      line +=
        enc(b0 >> 2) + enc(((b0 & 3) << 4) | (b1 >> 4)) + enc(((b1 & 15) << 2) | (b2 >> 6)) + enc(b2 & 63);
    }
    out += `${line}\n`;
  }
  return `${out}\`\nend\n`;
}
