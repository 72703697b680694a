import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { endOnce } from '../src/parse/mailparser-options.js';
import { parseMail } from '../src/parse/parse.js';

/**
 * mailparser ends the last part's decoder twice (src/parse/mailparser-options.ts, endOnce): the
 * second bare `end()` is skipped; everything observable about `end` stays as Node has it.
 */
describe('endOnce', () => {
  it('ends the stream on the first call and ignores a second bare call', async () => {
    const stream = new PassThrough();
    endOnce(stream);
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.write('part body');
    expect(stream.end()).toBe(stream);
    expect(stream.writableEnded).toBe(true);
    expect(stream.end()).toBe(stream);
    await once(stream, 'end');
    expect(Buffer.concat(chunks).toString()).toBe('part body');
  });

  it('still reports ERR_STREAM_ALREADY_FINISHED to a caller that passes a callback', async () => {
    const stream = new PassThrough();
    endOnce(stream);
    stream.resume();
    stream.end();
    await once(stream, 'finish');
    const err = await new Promise<unknown>((resolve) => stream.end(resolve));
    expect((err as { code?: string }).code).toBe('ERR_STREAM_ALREADY_FINISHED');
  });

  it('leaves a multipart mail parsed as before (the last part is the one ended twice)', async () => {
    const raw = Buffer.from(
      'From: a@example.com\r\nSubject: twice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n' +
        '--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n',
    );
    const mail = await parseMail(raw);
    expect(mail.text).toBe('café');
    expect(mail.attachments).toEqual([{ contentType: 'application/pdf', size: 9 }]);
  });
});
