import { Transform, type TransformCallback } from 'node:stream';

/**
 * A base64 transfer decoder (RFC 2045 6.8) for mailparser's leaf parts, giving exactly the bytes
 * of the decoder mailsplit uses (libbase64's `Decoder`), in the same chunks, at native speed.
 *
 * libbase64 turns every chunk into a latin1 string, strips what is not `A-Z a-z 0-9 + / =` with a
 * regular expression, slices it around the last `=` and decodes with Buffer; on the benchmark
 * corpus that string handling was most of the cost of hashing an attachment (docs/benchmarks.md).
 * Here one byte loop keeps the alphabet characters in a scratch buffer and Buffer decodes them.
 *
 * libbase64's semantics, kept exactly (test/parse-base64.test.ts compares the two on generated,
 * malformed and chunked input):
 * - bytes outside `A-Z a-z 0-9 + / =` are skipped (line breaks, spaces, 8-bit bytes, `-` and `_`);
 * - the text between two `=` signs is a run decoded on its own (a mail may pad every line), so a run
 *   of n characters gives floor(3n / 4) bytes, as Buffer decodes it;
 * - within a run whole quartets are decoded as they arrive and the 0 to 3 characters left over are
 *   carried into the next chunk (or decoded at the end);
 * - one output buffer per input chunk (none when it decodes to nothing), as libbase64 pushes one.
 */
export class Base64DecoderStream extends Transform {
  /** The 0 to 3 significant characters of an unfinished quartet. */
  private carry = Buffer.alloc(3);
  private carried = 0;
  private scratch: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (!chunk || chunk.length === 0) {
      callback();
      return;
    }
    if (!this.fastPath(chunk)) this.slowPath(chunk);
    callback();
  }

  /**
   * The common shape, alphabet characters in CRLF or LF lines, decoded by Buffer with the line
   * breaks left in (Buffer skips them; WHATWG forgiving-base64, which newer Node uses first, too).
   * The quartet boundary is found from the number of significant characters, counted as the bytes
   * that are not CR or LF; any other byte is caught: `=`, `-` and `_` (which Buffer reads
   * differently from libbase64) before decoding, others after it, because Buffer skips them and
   * then gives fewer bytes than whole quartets give. Returns false (nothing pushed, nothing
   * carried) when the chunk needs the byte loop.
   */
  private fastPath(chunk: Buffer): boolean {
    const chars = lineCharacters(chunk);
    if (chars < 0) return false;
    const total = this.carried + chars;
    const rest = total & 3;
    if (total - rest <= this.carried) return false; // not one whole quartet past the carry: rare, tiny
    // the last `rest` significant characters stay for the next chunk: find where they start
    let cut = chunk.length;
    let taken = 0;
    while (cut > 0) {
      const b = chunk[cut - 1]!;
      if (b === LF || b === CR) {
        cut--;
        continue;
      }
      if (taken === rest) break;
      if (BASE64_KIND[b] !== 1) return false;
      cut--;
      taken++;
    }
    const head = this.carried > 0 ? this.carry.toString('latin1', 0, this.carried) : '';
    const decoded = Buffer.from(head + chunk.toString('latin1', 0, cut), 'base64');
    if (decoded.length !== ((total - rest) / 4) * 3) return false; // a skipped byte in the prefix
    this.carried = 0;
    for (let i = cut; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b !== LF && b !== CR) this.carry[this.carried++] = b;
    }
    if (decoded.length > 0) this.push(decoded);
    return true;
  }

  /** Any input: one loop over the bytes, keeping alphabet characters and ending runs at `=`. */
  private slowPath(chunk: Buffer): void {
    const need = this.carried + chunk.length;
    // reused between chunks: mailsplit hands over chunks of at most its read size
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(Math.max(need, 16 * 1024));
    const buf = this.scratch;
    let w = this.carried;
    if (w > 0) this.carry.copy(buf, 0, 0, w);
    let runStart = 0;
    const out: Buffer[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      const kind = BASE64_KIND[b];
      if (kind === 1) buf[w++] = b;
      else if (kind === 2) {
        // a `=` ends the run: decode all of it, the partial quartet included
        if (w > runStart) out.push(decodeRange(buf, runStart, w));
        runStart = w;
      }
    }
    const whole = runStart + ((w - runStart) & ~3);
    if (whole > runStart) out.push(decodeRange(buf, runStart, whole));
    this.carried = w - whole;
    if (this.carried > 0) buf.copy(this.carry, 0, whole, w);
    if (out.length > 0) {
      const decoded = out.length === 1 ? out[0]! : Buffer.concat(out);
      if (decoded.length > 0) this.push(decoded);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.carried > 0) {
      const decoded = decodeRange(this.carry, 0, this.carried);
      this.carried = 0;
      if (decoded.length > 0) this.push(decoded);
    }
    this.scratch = Buffer.alloc(0);
    callback();
  }
}

const LF = 0x0a;
const CR = 0x0d;
const EQ = 0x3d;
const DASH = 0x2d;
const UNDERSCORE = 0x5f;

/**
 * For the fast paths (here and src/parse/drain.ts): the number of bytes of `chunk` that are not CR
 * or LF, when the chunk is at least 64 bytes and holds no `=`, `-` or `_` (Buffer reads those
 * differently from libbase64); -1 otherwise. Any other stray byte is left for the caller to catch
 * by decoding: Buffer skips it, so whole quartets then decode to fewer bytes than they should.
 */
export function lineCharacters(chunk: Buffer): number {
  if (chunk.length < 64 || chunk.includes(EQ) || chunk.includes(DASH) || chunk.includes(UNDERSCORE))
    return -1;
  return chunk.length - countByte(chunk, LF) - countByte(chunk, CR);
}

/** How often `byte` occurs in `buf` (memchr by indexOf: base64 lines are 76 characters long). */
function countByte(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i >= 0; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

/** Characters of one run (alphabet only, no `=`), decoded by Buffer into a buffer of its own. */
function decodeRange(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.toString('latin1', start, end), 'base64');
}

/** 1: a base64 character, 2: `=`, 0: skipped (libbase64: `/[^a-zA-Z0-9+/=]/g` removed). */
export const BASE64_KIND = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64_KIND[c.charCodeAt(0)] = 1;
}
BASE64_KIND['='.charCodeAt(0)] = 2;
