import { Transform, type TransformCallback } from 'node:stream';

/**
 * Bare-CR line endings, made CRLF before the MIME parser sees the mail.
 *
 * RFC 5322 2.3: "CR and LF MUST only occur together as CRLF; they MUST NOT appear independently".
 * Mail written by classic Mac OS tools, and some archives of it, ends its lines in a bare CR; a
 * parser that splits lines on LF (mailparser, and our own header reader) then sees one endless
 * header line: no From, no Subject, no body. CPython's email package and most MUAs treat a bare CR
 * as a line end; this does the same where it can tell that it is one.
 *
 * Which bare CRs are line ends (a "bare CR" is a CR not followed by LF):
 * - in the header section, a bare CR after some text of its line that is followed by what starts
 *   a header line (a field name and colon, RFC 5322 2.2, or WSP, a folded continuation 2.2.3), by
 *   another bare CR (the empty line that ends a CR-only header section), or by the end of the
 *   mail; and a bare CR at the start of a line that a bare CR ended (that empty line). A bare CR
 *   at the start of a line that LF or CRLF ended is not an empty line. Any other bare CR in
 *   a header is data: RFC 5322 does not allow it, and reading it as a line end would cut the field
 *   (CPython's reading, which turns the rest of the header into body); header consumers fold it
 *   into a space;
 * - CR CR LF (the artefact of converting CRLF twice) is one line end: its first CR is left alone;
 * - in the body, every bare CR, but only when the empty line that ended the header section was
 *   itself a bare CR: then the part of the mail that carries the body was written with CR-only
 *   lines, and its MIME boundaries and text lines end in bare CRs too. Base64 and quoted-printable
 *   ignore or re-encode line breaks, so CR -> CRLF does not corrupt them. In a CRLF or LF mail the
 *   body passes through untouched, so a bare CR inside binary data is never rewritten.
 *
 * Streaming: a CR at the end of a chunk is held until the next chunk shows whether an LF follows
 * (CRLF split across chunks); in the header section a bare CR waits for the bytes that decide it.
 * Fast path: a chunk with no CR, or whose CRs are all followed by LF, is passed on as it is.
 */
export class LineEndingNormaliser extends Transform {
  /** Bytes read (the mail's real size). */
  bytesIn = 0;
  /** Bare CRs rewritten to CRLF. */
  converted = 0;
  /** True when the body was converted too (the mail's own convention was CR-only). */
  crOnlyBody = false;
  private inHeader = true;
  /** Bytes not yet decided (a trailing CR, or a header bare CR waiting for its lookahead). */
  private pending: Buffer | undefined;
  /** Header section: is the current output line empty so far, and did a bare CR end the last line? */
  private lineEmpty = false;
  private lastEndWasCr = false;
  private headerBytes = 0;

  constructor(private readonly maxHeaderBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytesIn += chunk.length;
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    this.process(data, false);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending) {
      const data = this.pending;
      this.pending = undefined;
      this.process(data, true);
    }
    callback();
  }

  private process(data: Buffer, final: boolean): void {
    let start = 0;
    if (this.inHeader) {
      start = this.header(data, final);
      if (this.inHeader || start >= data.length) return;
    }
    this.body(start === 0 ? data : data.subarray(start), final);
  }

  /** Header section: returns where the body starts in data (data.length when not reached). */
  private header(data: Buffer, final: boolean): number {
    const out: Buffer[] = [];
    let emitted = 0;
    let i = 0;
    const endHeader = (bodyStart: number) => {
      this.inHeader = false;
      if (bodyStart > emitted) out.push(data.subarray(emitted, bodyStart));
      this.pushAll(out);
      return bodyStart;
    };
    while (i < data.length) {
      const b = data[i]!;
      if (b === 0x0a) {
        this.lastEndWasCr = false;
        if (this.lineEmpty) return endHeader(i + 1);
        this.lineEmpty = true;
        i++;
        continue;
      }
      if (b !== 0x0d) {
        // ordinary bytes up to the next CR or LF
        let next = i + 1;
        while (next < data.length && data[next] !== 0x0a && data[next] !== 0x0d) next++;
        this.lineEmpty = false;
        i = next;
        continue;
      }
      // a CR
      const verdict = this.judgeHeaderCr(data, i, final);
      if (verdict === 'wait') {
        if (i > emitted) out.push(data.subarray(emitted, i));
        this.headerBytes += i;
        this.pushAll(out);
        // give up deciding past the header limit: the header reader reports the oversize block
        if (this.headerBytes > this.maxHeaderBytes) {
          this.inHeader = false;
          this.body(data.subarray(i), final);
          return data.length;
        }
        this.pending = Buffer.from(data.subarray(i));
        return data.length;
      }
      if (verdict === 'crlf') {
        this.lastEndWasCr = false;
        if (this.lineEmpty) return endHeader(i + 2);
        this.lineEmpty = true;
        i += 2;
        continue;
      }
      if (verdict === 'data') {
        this.lineEmpty = false;
        i++;
        continue;
      }
      // a bare CR that ends a line: emit it as CRLF
      if (i + 1 > emitted) out.push(data.subarray(emitted, i + 1));
      out.push(LF);
      emitted = i + 1;
      this.converted++;
      const wasEmpty = this.lineEmpty;
      this.lastEndWasCr = true;
      this.lineEmpty = true;
      i++;
      if (wasEmpty) {
        this.crOnlyBody = true;
        return endHeader(i);
      }
    }
    if (emitted < data.length) out.push(data.subarray(emitted));
    this.headerBytes += data.length;
    this.pushAll(out);
    if (this.headerBytes > this.maxHeaderBytes) this.inHeader = false;
    return data.length;
  }

  private judgeHeaderCr(data: Buffer, i: number, final: boolean): 'crlf' | 'end' | 'data' | 'wait' {
    const n1 = data[i + 1];
    if (n1 === undefined) return final ? 'end' : 'wait';
    if (n1 === 0x0a) return 'crlf';
    // at the start of a line, a bare CR is the empty line only in a CR-only header; after an LF it
    // is a stray (an LF mail's header ends with an LF empty line)
    if (this.lineEmpty) return this.lastEndWasCr ? 'end' : 'data';
    if (n1 === 0x20 || n1 === 0x09) return 'end';
    if (n1 === 0x0d) {
      const n2 = data[i + 2];
      if (n2 === undefined) return final ? 'end' : 'wait';
      return n2 === 0x0a ? 'data' : 'end'; // CR CR LF: the first CR is a stray
    }
    // a field name (printable US-ASCII but colon, RFC 5322 2.2) then optional WSP and a colon
    let j = i + 1;
    const limit = Math.min(data.length, i + 1 + MAX_FIELD_NAME);
    while (j < limit && data[j]! >= 0x21 && data[j]! <= 0x7e && data[j] !== 0x3a) j++;
    if (j === i + 1) return 'data';
    while (j < limit && (data[j] === 0x20 || data[j] === 0x09)) j++;
    if (j >= limit) return final || limit < data.length ? 'data' : 'wait';
    return data[j] === 0x3a ? 'end' : 'data';
  }

  /** Body: pass through, or (CR-only mail) every bare CR becomes CRLF. */
  private body(data: Buffer, final: boolean): void {
    if (!this.crOnlyBody) {
      this.push(data);
      return;
    }
    let cr = data.indexOf(0x0d);
    if (cr < 0) {
      this.push(data);
      return;
    }
    const out: Buffer[] = [];
    let emitted = 0;
    while (cr >= 0) {
      if (cr === data.length - 1 && !final) {
        // CRLF may be split across chunks: decide with the next chunk
        if (cr > emitted) out.push(data.subarray(emitted, cr));
        this.pending = Buffer.from([0x0d]);
        this.pushAll(out);
        return;
      }
      if (data[cr + 1] !== 0x0a) {
        out.push(data.subarray(emitted, cr + 1), LF);
        emitted = cr + 1;
        this.converted++;
      }
      cr = data.indexOf(0x0d, cr + 1);
    }
    if (emitted < data.length) out.push(data.subarray(emitted));
    this.pushAll(out);
  }

  private pushAll(out: Buffer[]): void {
    if (out.length === 1) this.push(out[0]);
    else if (out.length > 1) this.push(Buffer.concat(out));
  }
}

const LF = Buffer.from([0x0a]);
/** Longest field name looked ahead for (RFC 5322 2.1.1 caps a line at 998 characters). */
const MAX_FIELD_NAME = 998;
