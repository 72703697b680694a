import { Transform, type TransformCallback } from 'node:stream';
import { BASE64_KIND, lineCharacters } from './base64.js';

/**
 * Attachments the pipeline only counts (every part but report parts and inline images within
 * budget) are not decoded: their bytes are counted, and the decoded size is computed from the
 * encoded text. On the benchmark corpus base64-decoding the three big attachments (70 MB) cost
 * about 1.2 s of CPU (libbase64's string handling, docs/benchmarks.md); counting costs a native
 * scan (countClean) or, for chunks it cannot vouch for, a byte loop.
 *
 * The size is exactly what mailparser's decoder would have produced (test/parse-drain.test.ts
 * compares it with libbase64's Decoder on generated and chunked input):
 * - identity encodings (7bit, 8bit, binary, none, unknown): the byte count;
 * - base64: libbase64's Decoder keeps only `A-Z a-z 0-9 + / =` (other bytes, line breaks included,
 *   are skipped) and decodes the text between `=` signs run by run, Buffer-style, so a run of n
 *   base64 characters gives floor(3n / 4) bytes however the input was chunked.
 * Quoted-printable (rare for attachments, and with decoding rules that depend on what follows a
 * `=`) keeps mailparser's own decoder.
 */
export class CountingDecoder extends Transform {
  /** The decoded size so far. */
  bytes = 0;
  private run = 0;
  private scratch: Buffer = Buffer.alloc(0);

  constructor(private readonly base64: boolean) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (!this.base64) {
      this.bytes += chunk.length;
      callback();
      return;
    }
    if (this.countClean(chunk)) {
      callback();
      return;
    }
    let run = this.run;
    let bytes = this.bytes;
    for (let i = 0; i < chunk.length; i++) {
      const kind = BASE64_KIND[chunk[i]!];
      if (kind === 1) run++;
      else if (kind === 2) {
        bytes += Math.floor((run * 3) / 4);
        run = 0;
      }
    }
    this.run = run;
    this.bytes = bytes;
    callback();
  }

  /**
   * The common shape, alphabet characters in CRLF or LF lines, counted natively: the characters are
   * the bytes that are not CR or LF (found by indexOf), and Buffer decoding the chunk into a scratch
   * buffer proves there is no other byte. Buffer skips any other byte, so padded to whole quartets
   * the chunk then decodes to fewer bytes than its count gives; `=`, `-` and `_` (which Buffer
   * reads differently from libbase64) are looked for first. This is the check Base64DecoderStream's
   * fast path makes. On the benchmark corpus (114 MB of drained base64) the byte loop took 0.63 to
   * 0.69 s, this 0.18 to 0.22 s, timed inside the pipeline (issue 15). Returns false, having
   * counted nothing, when the chunk needs the byte loop.
   */
  private countClean(chunk: Buffer): boolean {
    const chars = lineCharacters(chunk);
    if (chars < 0) return false;
    const pad = (4 - (chars & 3)) & 3;
    const quartets = (chars + pad) / 4;
    if (this.scratch.length < quartets * 3) this.scratch = Buffer.allocUnsafe(quartets * 3);
    const text = chunk.toString('latin1') + 'AAA'.slice(0, pad);
    if (this.scratch.write(text, 'base64') !== quartets * 3) return false;
    this.run += chars;
    return true;
  }

  override _flush(callback: TransformCallback): void {
    if (this.base64) {
      this.bytes += Math.floor((this.run * 3) / 4);
      this.run = 0;
    }
    this.scratch = Buffer.alloc(0);
    callback();
  }
}

/** Transfer encodings CountingDecoder sizes; others (quoted-printable) are decoded as before. */
export function countable(encoding: unknown): 'base64' | 'identity' | undefined {
  if (encoding === 'base64') return 'base64';
  if (encoding === 'quoted-printable') return undefined;
  return 'identity';
}
