import { Transform, type TransformCallback } from 'node:stream';

/** Undo mboxrd/mboxo quoting line by line: ">From " -> "From ", ">>From " -> ">From ". */
export class FromUnquote extends Transform {
  private partial: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    const data = this.partial.length ? Buffer.concat([this.partial, chunk]) : chunk;
    // a line ends in LF, CRLF or (classic Mac mbox) a bare CR; JS's multiline ^ starts a line after each
    const lastNl = Math.max(data.lastIndexOf(0x0a), data.lastIndexOf(0x0d));
    if (lastNl < 0) {
      this.partial = data;
      callback();
      return;
    }
    this.partial = Buffer.from(data.subarray(lastNl + 1));
    callback(null, unquote(data.subarray(0, lastNl + 1)));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, unquote(this.partial));
  }
}

function unquote(buf: Buffer): Buffer {
  if (buf.indexOf('>From ') < 0 && buf.indexOf('>>') < 0) return buf;
  const text = buf.toString('latin1'); // byte-preserving
  return Buffer.from(text.replace(/^>(>*From )/gm, '$1'), 'latin1');
}
