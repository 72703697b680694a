import { Transform, type TransformCallback } from 'node:stream';
import { decodeBytes } from './charset.js';

/**
 * A stand-in for node-iconv's `Iconv` class, given to mailparser as its `Iconv` option so that
 * every text part is decoded by decodeBytes() (charset.ts) instead of mailparser's own choice.
 * mailparser constructs it as `new Iconv(charset, 'UTF-8//TRANSLIT//IGNORE')`, writes the
 * transfer-decoded bytes and reads UTF-8 back.
 *
 * The part is collected and decoded at its end: stateful charsets (ISO-2022-JP) and the
 * UTF-8-or-windows-1252 decision need the whole part, and mailparser holds the whole text part in
 * memory anyway (its size is bounded by limits.maxMailBytes before it gets here).
 */
export class CharsetDecoderStream extends Transform {
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly fromCharset: string,
    _toCharset?: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    done();
  }

  override _flush(done: TransformCallback): void {
    const { text } = decodeBytes(Buffer.concat(this.chunks), this.fromCharset);
    this.chunks.length = 0;
    done(null, Buffer.from(text, 'utf8'));
  }
}
